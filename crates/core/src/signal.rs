//! Signal helpers shared by the simulator and the analysis.

/// Periodic Gaussian smoothing (a closed lap: the ends wrap) with standard deviation `sigma` in samples; the
/// kernel is cut at 3σ (or half the lap) and normalised, so a constant stays that constant.
pub fn smooth_periodic(values: &[f64], sigma: f64) -> Vec<f64> {
    let n = values.len();
    if sigma.is_nan() || sigma <= 0.0 || n < 3 {
        return values.to_vec();
    }
    let radius = ((3.0 * sigma).ceil() as usize).min(n / 2);
    let weights: Vec<f64> = (0..=radius).map(|k| (-0.5 * (k as f64 / sigma).powi(2)).exp()).collect();
    let norm = weights[0] + 2.0 * weights[1..].iter().sum::<f64>();
    (0..n)
        .map(|i| {
            let mut acc = weights[0] * values[i];
            for (k, w) in weights.iter().enumerate().skip(1) {
                acc += w * (values[(i + k) % n] + values[(i + n - k) % n]);
            }
            acc / norm
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impulse_becomes_a_gaussian_that_wraps_around_the_lap() {
        let mut impulse = vec![0.0; 100];
        impulse[1] = 1.0;
        let out = smooth_periodic(&impulse, 2.0);
        // Nothing is lost or made, the peak stays where it was, and the side before index 0 wrapped to the end.
        assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(out.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i), Some(1));
        assert!((out[0] - out[2]).abs() < 1e-15 && (out[99] - out[3]).abs() < 1e-15, "symmetric across the wrap");
        // The shape is exp(-k²/2σ²): one sample off the peak weighs e^(-1/8) of it.
        assert!((out[2] / out[1] - (-0.125f64).exp()).abs() < 1e-12);
        assert_eq!(out[50], 0.0, "cut at 3σ");
    }

    #[test]
    fn constants_and_degenerate_input_pass_unchanged() {
        assert!(smooth_periodic(&[4.0; 50], 3.0).iter().all(|v| (v - 4.0).abs() < 1e-12));
        assert_eq!(smooth_periodic(&[1.0, 2.0], 1.0), vec![1.0, 2.0]);
        assert_eq!(smooth_periodic(&[1.0, 2.0, 3.0], 0.0), vec![1.0, 2.0, 3.0]);
        assert_eq!(smooth_periodic(&[1.0, 2.0, 3.0], f64::NAN), vec![1.0, 2.0, 3.0]);
    }
}

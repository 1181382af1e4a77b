//! The quasi-steady-state speed profile.
//!
//! Method: every point `i` (a uniform step `ds` apart) has a speed limit: the cornering limit at its
//! curvature, lowered by what the driver does (see `driver`). A forward pass accelerates from point to point
//! with the smaller of the engine's tractive force in the driver's gear and the longitudinal grip left by the
//! friction circle, less drag and rolling resistance; a backward pass does the same for braking with all the
//! remaining grip plus drag. The profile is the minimum of the two and of the limits. Between two points the
//! acceleration is constant (`v²` is linear in distance), which gives exact, continuous time, speed and
//! distance for every sample: a segment takes `2·ds / (v_i + v_(i+1))`.

use crate::car::Car;

/// A solved speed profile over consecutive points.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// Speed at each point, m/s.
    pub v: Vec<f64>,
    /// Per segment (`i` → `i + 1`): the car is at full throttle because engine power is what limits it.
    pub power_limited: Vec<bool>,
}

/// Solves the profile over `limits` (one limit per point, m/s). Point `j` of the slice is point
/// `(first + j) % curvature.len()` of the track. The car enters at `v_start` and must leave at or below
/// `v_end`.
pub(crate) fn solve(
    car: &Car,
    curvature: &[f64],
    first: usize,
    ds: f64,
    limits: &[f64],
    v_start: f64,
    v_end: f64,
) -> Profile {
    let n_track = curvature.len();
    let kappa = |j: usize| curvature[(first + j) % n_track];
    let m = car.mass_kg;
    let n = limits.len();
    let mut v = vec![0.0; n];
    let mut power_limited = vec![false; n.saturating_sub(1)];
    if n == 0 {
        return Profile { v, power_limited };
    }

    // Forward: acceleration limited by engine and by the grip left at both ends of the segment.
    v[0] = v_start.min(limits[0]);
    for i in 0..n - 1 {
        let v0 = v[i];
        let drive = car.drive_force_n(v0, car.gear_for(v0)) / m;
        let grip0 = car.longitudinal_grip_mps2(v0, kappa(i));
        let resist = car.resistance_n(v0) / m;
        let step = |a: f64| (v0 * v0 + 2.0 * (a - resist) * ds).max(0.0).sqrt();
        let mut tyre = drive.min(grip0);
        let candidate = step(tyre);
        let grip1 = car.longitudinal_grip_mps2(candidate, kappa(i + 1));
        tyre = tyre.min(grip1);
        let reached = step(tyre);
        if reached <= limits[i + 1] {
            v[i + 1] = reached;
            power_limited[i] = drive <= grip0.min(grip1);
        } else {
            v[i + 1] = limits[i + 1];
        }
    }

    // Backward: braking with all remaining grip plus drag, checked at both ends of the segment.
    v[n - 1] = v[n - 1].min(v_end);
    for i in (0..n - 1).rev() {
        let v1 = v[i + 1];
        let resist = car.resistance_n(v1) / m;
        let step = |a: f64| (v1 * v1 + 2.0 * (a + resist) * ds).sqrt();
        let mut tyre = car.longitudinal_grip_mps2(v1, kappa(i + 1));
        let candidate = step(tyre);
        tyre = tyre.min(car.longitudinal_grip_mps2(candidate, kappa(i)));
        let reached = step(tyre);
        if reached < v[i] {
            // Both segments touching a point lowered by braking no longer follow the full-throttle curve.
            v[i] = reached;
            power_limited[i] = false;
            if i > 0 {
                power_limited[i - 1] = false;
            }
        }
    }
    Profile { v, power_limited }
}

/// Time to cover one segment of length `ds` at constant acceleration from `v0` to `v1`, s.
pub(crate) fn segment_time(ds: f64, v0: f64, v1: f64) -> f64 {
    2.0 * ds / (v0 + v1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_line_accelerates_to_the_limit_and_brakes_for_it() {
        let car = Car::default();
        let curvature = vec![0.0; 2000];
        let mut limits = vec![car.top_speed_mps(); 2000];
        limits[1500] = 20.0;
        let p = solve(&car, &curvature, 0, 1.0, &limits, 20.0, 20.0);
        assert_eq!(p.v[0], 20.0);
        assert!((p.v[1500] - 20.0).abs() < 1e-9);
        // Accelerating at first, braking into point 1500, never above the limits.
        assert!(p.v[1] > p.v[0] && p.power_limited[0]);
        assert!(p.v[1499] > p.v[1500] && !p.power_limited[1499]);
        for (v, l) in p.v.iter().zip(&limits) {
            assert!(*v <= *l + 1e-9);
        }
        // Braking uses all grip plus drag.
        let a = (p.v[1498].powi(2) - p.v[1499].powi(2)) / 2.0;
        let expected = car.grip_mps2(p.v[1499]) + car.resistance_n(p.v[1499]) / car.mass_kg;
        assert!((a - expected).abs() / expected < 0.02, "{a} {expected}");
    }
}

//! Fuel burnt and tread worn along the speed profile, segment by segment.
//!
//! Fuel: the engine burns fuel in proportion to the power it delivers, `flow = fuel_flow_max_lps · P / P_max`,
//! where `P = max(0, m·a + drag + rolling resistance) · v` is the power at the wheels (zero while braking or
//! coasting) and `P_max` the most the engine can deliver there. Within a segment the acceleration is constant,
//! so the speed is linear in time and `P` a cubic in time: Simpson's rule integrates it exactly wherever the
//! power does not change sign inside the segment (the clip at zero makes it an approximation only there).
//! The car's mass does not change as fuel burns, and the engine keeps running on an empty tank.
//!
//! Tread: each tyre wears by a rolling amount per metre plus an amount growing with the square of the load it
//! carries (the same split of the accelerations over the four tyres that heats them, see [`wheel_load_g`]).
//!
//! The frames and the ground truth add up the very same per-segment amounts, so the truth's fuel per lap is
//! what the frames show between two crossings of the line.

use crate::car::{Car, G};

/// Tread worn per metre rolled, whatever the load (fraction of the tread).
const WEAR_ROLLING_PER_M: f64 = 0.6e-6;
/// Tread worn per metre per g² of load on the tyre.
const WEAR_PER_M_PER_G2: f64 = 2.5e-6;

/// How the four tyres (FL, FR, RL, RR) share the car's accelerations, in g: the outer tyres of a turn and the
/// front tyres under braking (the rear ones under power) take 1.6 of the share, the others 0.4.
pub(crate) fn wheel_load_g(acc_lat_g: f64, acc_long_g: f64) -> [f64; 4] {
    let lateral = |outer: bool| acc_lat_g.abs() * if outer { 1.6 } else { 0.4 };
    let longitudinal = |front: bool| acc_long_g.abs() * if front == (acc_long_g < 0.0) { 1.6 } else { 0.4 };
    std::array::from_fn(|w| {
        let (front, right) = (w < 2, w % 2 == 1);
        // A left turn (acc_lat > 0) loads the right-hand tyres.
        let outer = right == (acc_lat_g > 0.0);
        (lateral(outer) + longitudinal(front)) / 2.0
    })
}

/// Fuel and tread model of one car.
#[derive(Debug, Clone)]
pub(crate) struct Consumption {
    /// Fuel flow per watt at the wheels, litres per joule.
    litres_per_joule: f64,
}

impl Consumption {
    pub(crate) fn new(car: &Car) -> Consumption {
        Consumption { litres_per_joule: car.fuel_flow_max_lps / max_wheel_power_w(car) }
    }

    /// Fuel burnt in the first `tau_s` seconds of a segment of length `ds` entered at `v0` and left at `v1`
    /// (constant acceleration), litres.
    pub(crate) fn fuel_l(&self, car: &Car, v0: f64, v1: f64, ds: f64, tau_s: f64) -> f64 {
        if tau_s <= 0.0 {
            return 0.0;
        }
        let accel = (v1 * v1 - v0 * v0) / (2.0 * ds);
        let power = |tau: f64| {
            let v = (v0 + accel * tau).max(0.0);
            (car.mass_kg * accel + car.resistance_n(v)).max(0.0) * v
        };
        let energy_j = tau_s / 6.0 * (power(0.0) + 4.0 * power(tau_s / 2.0) + power(tau_s));
        energy_j * self.litres_per_joule
    }

    /// Tread worn on each tyre over `metres` of a segment with acceleration `accel` (m/s²), speed `v` and
    /// curvature `curvature` (1/m), fractions of the tread.
    pub(crate) fn wear(v: f64, accel: f64, curvature: f64, metres: f64) -> [f64; 4] {
        let load = wheel_load_g(v * v * curvature / G, accel / G);
        load.map(|g| metres * (WEAR_ROLLING_PER_M + WEAR_PER_M_PER_G2 * g * g))
    }
}

/// The most power the engine delivers to the wheels, W (torque curve sampled every 10 rpm up to the redline).
fn max_wheel_power_w(car: &Car) -> f64 {
    let mut best = 0.0f64;
    let mut rpm = car.idle_rpm;
    while rpm <= car.redline_rpm {
        best = best.max(car.torque_nm(rpm) * rpm * 2.0 * std::f64::consts::PI / 60.0);
        rpm += 10.0;
    }
    (best * car.drivetrain_efficiency).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_power_burns_the_maximum_flow_and_braking_burns_nothing() {
        let car = Car::default();
        let consumption = Consumption::new(&car);
        let p_max = max_wheel_power_w(&car);
        // Accelerating at exactly full power at 50 m/s for 0.02 s: a = (P/v - R(v)) / m.
        let v0 = 50.0;
        let accel = (p_max / v0 - car.resistance_n(v0)) / car.mass_kg;
        let tau = 0.02;
        let v1 = v0 + accel * tau;
        let ds = (v0 + v1) / 2.0 * tau;
        let fuel = consumption.fuel_l(&car, v0, v1, ds, tau);
        // The power rises slightly over the step; within 1 % of the maximum flow.
        assert!((fuel / (car.fuel_flow_max_lps * tau) - 1.0).abs() < 0.01, "{fuel}");
        // Braking hard: no power, no fuel.
        assert_eq!(consumption.fuel_l(&car, 60.0, 55.0, 10.0, 0.17), 0.0);
        assert_eq!(consumption.fuel_l(&car, 60.0, 61.0, 10.0, 0.0), 0.0);
    }

    #[test]
    fn simpson_is_exact_on_a_segment_under_power() {
        // Against a fine midpoint sum of the same integrand.
        let car = Car::default();
        let consumption = Consumption::new(&car);
        let (v0, v1, ds) = (30.0, 32.0, 20.0);
        let accel = (v1 * v1 - v0 * v0) / (2.0 * ds);
        let t_total = (v1 - v0) / accel;
        let steps = 100_000;
        let h = t_total / steps as f64;
        let energy: f64 = (0..steps)
            .map(|i| {
                let v = v0 + accel * (i as f64 + 0.5) * h;
                (car.mass_kg * accel + car.resistance_n(v)) * v * h
            })
            .sum();
        let want = energy * car.fuel_flow_max_lps / max_wheel_power_w(&car);
        let got = consumption.fuel_l(&car, v0, v1, ds, t_total);
        assert!((got / want - 1.0).abs() < 1e-9, "{got} vs {want}");
    }

    #[test]
    fn outer_and_braked_tyres_wear_most() {
        // A left turn under braking: the right-hand tyres are outer, the fronts take the braking.
        let wear = Consumption::wear(40.0, -8.0, 1.0 / 80.0, 1.0);
        let [fl, fr, rl, rr] = wear;
        assert!(fr > fl && fr > rr && rr > rl, "{wear:?}");
        let straight = Consumption::wear(40.0, 0.0, 0.0, 1.0);
        assert!(straight.iter().all(|&w| (w - WEAR_ROLLING_PER_M).abs() < 1e-15), "{straight:?}");
        assert_eq!(Consumption::wear(40.0, -8.0, 0.01, 0.0), [0.0; 4]);
    }
}

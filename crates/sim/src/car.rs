//! [`Car`]: the point-mass vehicle the simulator drives.
//!
//! Assumptions: one mass point with a single friction circle. The tyres' total force is at most
//! `μ · (m·g + downforce)`, shared between lateral and longitudinal use (a friction ellipse with equal axes),
//! and the same limit holds for driving and braking (no separate traction limit for the driven axle).
//! Aerodynamic drag `½·ρ·CdA·v²` and rolling resistance `c_rr·m·g` always act; downforce `½·ρ·ClA·v²` adds
//! normal load. The engine delivers `torque(rpm)` through the engaged gear, the final drive and a constant
//! drivetrain efficiency; off throttle it brakes with a constant torque.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Standard gravity, m/s².
pub const G: f64 = racecraft_core::STANDARD_GRAVITY_MPS2;

/// Parameters of the simulated car. [`Car::default`] is a GT3-like car (1300 kg, about 500 hp, moderate
/// downforce).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Car {
    /// Name reported in the session metadata.
    pub name: String,
    /// Mass with driver and fuel, kg.
    pub mass_kg: f64,
    /// Drag coefficient × frontal area, m².
    pub drag_area_m2: f64,
    /// Lift (downforce) coefficient × area, m²; 0 for none.
    pub downforce_area_m2: f64,
    /// Air density, kg/m³.
    pub air_density_kgpm3: f64,
    /// Rolling resistance coefficient.
    pub rolling_resistance: f64,
    /// Tyre friction coefficient μ (combined grip).
    pub tyre_mu: f64,
    /// Full-throttle engine torque curve: `[rpm, N·m]` points with increasing rpm, linear in between.
    pub torque_curve: Vec<[f64; 2]>,
    /// Gearbox ratios, first gear first, decreasing.
    pub gear_ratios: Vec<f64>,
    /// Final drive ratio.
    pub final_drive: f64,
    /// Fraction of engine power that reaches the wheels.
    pub drivetrain_efficiency: f64,
    /// Loaded tyre radius, m.
    pub wheel_radius_m: f64,
    /// Idle speed, rpm; the engine never reads lower.
    pub idle_rpm: f64,
    /// Rev limit, rpm.
    pub redline_rpm: f64,
    /// The rpm at which the simulated driver upshifts.
    pub shift_rpm: f64,
    /// Engine braking torque off throttle, N·m at the crank.
    pub engine_brake_torque_nm: f64,
    /// Wheelbase, m.
    pub wheelbase_m: f64,
    /// Steering ratio: steering wheel angle over road-wheel angle.
    pub steering_ratio: f64,
    /// Steering wheel angle at full lock, rad (each way).
    pub steering_lock_rad: f64,
    /// Fuel at the start of the session, litres.
    pub fuel_start_l: f64,
    /// Fuel flow at full power, litres per second (the flow is proportional to the power delivered).
    pub fuel_flow_max_lps: f64,
}

impl Default for Car {
    fn default() -> Car {
        Car {
            name: "Racecraft GT".into(),
            mass_kg: 1300.0,
            drag_area_m2: 0.85,
            downforce_area_m2: 2.0,
            air_density_kgpm3: 1.2,
            rolling_resistance: 0.015,
            tyre_mu: 1.45,
            torque_curve: vec![
                [1000.0, 280.0],
                [3000.0, 400.0],
                [5000.0, 460.0],
                [6500.0, 480.0],
                [7500.0, 465.0],
                [8500.0, 415.0],
                [9000.0, 380.0],
            ],
            gear_ratios: vec![3.10, 2.25, 1.75, 1.42, 1.20, 1.03],
            final_drive: 3.5,
            drivetrain_efficiency: 0.9,
            wheel_radius_m: 0.34,
            idle_rpm: 1200.0,
            redline_rpm: 9000.0,
            shift_rpm: 8500.0,
            engine_brake_torque_nm: 60.0,
            wheelbase_m: 2.65,
            steering_ratio: 14.0,
            steering_lock_rad: 1.5 * std::f64::consts::PI,
            fuel_start_l: 60.0,
            fuel_flow_max_lps: 0.055,
        }
    }
}

impl Car {
    /// Checks that every parameter is finite and in a physical range.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(format!("car: {what}")));
        let positive = [
            ("mass_kg", self.mass_kg),
            ("air_density_kgpm3", self.air_density_kgpm3),
            ("tyre_mu", self.tyre_mu),
            ("final_drive", self.final_drive),
            ("wheel_radius_m", self.wheel_radius_m),
            ("idle_rpm", self.idle_rpm),
            ("wheelbase_m", self.wheelbase_m),
            ("steering_ratio", self.steering_ratio),
            ("steering_lock_rad", self.steering_lock_rad),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return bad(&format!("{name} must be positive, is {value}"));
            }
        }
        let non_negative = [
            ("drag_area_m2", self.drag_area_m2),
            ("downforce_area_m2", self.downforce_area_m2),
            ("rolling_resistance", self.rolling_resistance),
            ("engine_brake_torque_nm", self.engine_brake_torque_nm),
            ("fuel_start_l", self.fuel_start_l),
            ("fuel_flow_max_lps", self.fuel_flow_max_lps),
        ];
        for (name, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return bad(&format!("{name} must be zero or positive, is {value}"));
            }
        }
        if !(self.drivetrain_efficiency > 0.0 && self.drivetrain_efficiency <= 1.0) {
            return bad("drivetrain_efficiency must be in (0, 1]");
        }
        if self.gear_ratios.is_empty() || self.gear_ratios.len() > 10 {
            return bad("gear_ratios must have 1 to 10 gears");
        }
        if self.gear_ratios.iter().any(|r| !(r.is_finite() && *r > 0.0))
            || self.gear_ratios.windows(2).any(|w| w[1] >= w[0])
        {
            return bad("gear_ratios must be positive and decreasing");
        }
        if self.torque_curve.len() < 2
            || self.torque_curve.iter().any(|[r, t]| !(r.is_finite() && t.is_finite() && *t >= 0.0))
            || self.torque_curve.windows(2).any(|w| w[1][0] <= w[0][0])
        {
            return bad("torque_curve needs 2 or more [rpm, N·m] points with increasing rpm and torque >= 0");
        }
        if !(self.redline_rpm.is_finite() && self.redline_rpm > self.idle_rpm) {
            return bad("redline_rpm must be above idle_rpm");
        }
        if !(self.shift_rpm > self.idle_rpm && self.shift_rpm <= self.redline_rpm) {
            return bad("shift_rpm must be above idle_rpm and at most redline_rpm");
        }
        // The car must be able to hold a reasonable speed in first gear for a flying lap to exist.
        if self.max_speed_in_gear_mps(1, self.shift_rpm) < 5.0 {
            return bad("first gear tops out below 5 m/s");
        }
        Ok(())
    }

    /// Number of forward gears.
    pub fn gear_count(&self) -> u8 {
        self.gear_ratios.len() as u8
    }

    /// Full-throttle engine torque at `rpm`, N·m (flat beyond the ends of the curve).
    pub fn torque_nm(&self, rpm: f64) -> f64 {
        let curve = &self.torque_curve;
        let first = curve[0];
        let last = curve[curve.len() - 1];
        if rpm <= first[0] {
            return first[1];
        }
        if rpm >= last[0] {
            return last[1];
        }
        let i = curve.partition_point(|p| p[0] <= rpm).clamp(1, curve.len() - 1);
        let (a, b) = (curve[i - 1], curve[i]);
        a[1] + (b[1] - a[1]) * (rpm - a[0]) / (b[0] - a[0])
    }

    /// Overall ratio (gearbox × final drive) of `gear` (1-based).
    fn overall_ratio(&self, gear: u8) -> f64 {
        let i = usize::from(gear.clamp(1, self.gear_count())) - 1;
        self.gear_ratios[i] * self.final_drive
    }

    /// Engine speed at road speed `v` in `gear` (1-based), rpm, without the idle floor.
    pub fn rpm_at(&self, speed_mps: f64, gear: u8) -> f64 {
        speed_mps / self.wheel_radius_m * self.overall_ratio(gear) * 60.0 / (2.0 * std::f64::consts::PI)
    }

    /// Road speed at which `gear` reaches `rpm`, m/s.
    pub fn max_speed_in_gear_mps(&self, gear: u8, rpm: f64) -> f64 {
        rpm * 2.0 * std::f64::consts::PI / 60.0 * self.wheel_radius_m / self.overall_ratio(gear)
    }

    /// The gear the driver uses when accelerating through `speed_mps`: the lowest one below the shift rpm.
    pub fn gear_for(&self, speed_mps: f64) -> u8 {
        (1..self.gear_count()).find(|&g| self.rpm_at(speed_mps, g) < self.shift_rpm).unwrap_or(self.gear_count())
    }

    /// Full-throttle tractive force at the wheels in `gear`, N; zero at or beyond the rev limit.
    pub fn drive_force_n(&self, speed_mps: f64, gear: u8) -> f64 {
        let rpm = self.rpm_at(speed_mps, gear).max(self.idle_rpm);
        if rpm >= self.redline_rpm {
            return 0.0;
        }
        self.torque_nm(rpm) * self.overall_ratio(gear) * self.drivetrain_efficiency / self.wheel_radius_m
    }

    /// Engine braking force at the wheels off throttle in `gear`, N.
    pub fn engine_brake_force_n(&self, gear: u8) -> f64 {
        self.engine_brake_torque_nm * self.overall_ratio(gear) / self.wheel_radius_m
    }

    /// Aerodynamic drag, N.
    pub fn drag_n(&self, speed_mps: f64) -> f64 {
        0.5 * self.air_density_kgpm3 * self.drag_area_m2 * speed_mps * speed_mps
    }

    /// Drag plus rolling resistance, N: the force the tyres must supply to hold speed.
    pub fn resistance_n(&self, speed_mps: f64) -> f64 {
        self.drag_n(speed_mps) + self.rolling_resistance * self.mass_kg * G
    }

    /// The tyres' total grip as an acceleration, m/s²: `μ·(g + downforce/m)`.
    pub fn grip_mps2(&self, speed_mps: f64) -> f64 {
        self.tyre_mu * (G + self.downforce_per_mass(speed_mps))
    }

    fn downforce_per_mass(&self, speed_mps: f64) -> f64 {
        0.5 * self.air_density_kgpm3 * self.downforce_area_m2 * speed_mps * speed_mps / self.mass_kg
    }

    /// Longitudinal acceleration the tyres can still give at `speed_mps` on curvature `curvature`, m/s²
    /// (friction circle: what is left after the lateral demand `v²·|κ|`).
    pub fn longitudinal_grip_mps2(&self, speed_mps: f64, curvature: f64) -> f64 {
        let total = self.grip_mps2(speed_mps);
        let lateral = speed_mps * speed_mps * curvature.abs();
        (total * total - lateral * lateral).max(0.0).sqrt()
    }

    /// Highest speed on a curve of curvature `curvature` using all grip laterally, m/s; the top speed
    /// where grip does not limit.
    pub fn cornering_limit_mps(&self, curvature: f64) -> f64 {
        let k = 0.5 * self.air_density_kgpm3 * self.downforce_area_m2 / self.mass_kg;
        let denominator = curvature.abs() - self.tyre_mu * k;
        if denominator <= 0.0 {
            return self.top_speed_mps();
        }
        (self.tyre_mu * G / denominator).sqrt().min(self.top_speed_mps())
    }

    /// The rev-limited speed in top gear, m/s (just under it, so the engine still pulls).
    pub fn top_speed_mps(&self) -> f64 {
        self.max_speed_in_gear_mps(self.gear_count(), self.redline_rpm) * 0.999
    }

    /// Largest brake force the brake system can apply, N: the grip at top speed, so a full pedal locks
    /// nothing at any speed and the pedal eases off as downforce fades.
    pub fn max_brake_force_n(&self) -> f64 {
        self.mass_kg * self.grip_mps2(self.top_speed_mps())
    }

    /// The upshift rpm out of `gear` that maximises acceleration: where the next gear's tractive force
    /// overtakes this one's, or the redline when it never does. `None` for top gear.
    pub fn optimal_upshift_rpm(&self, gear: u8) -> Option<f64> {
        if gear == 0 || gear >= self.gear_count() {
            return None;
        }
        let start = self.idle_rpm.max(self.redline_rpm * 0.5);
        let mut rpm = start;
        while rpm < self.redline_rpm {
            let v = self.max_speed_in_gear_mps(gear, rpm);
            if self.drive_force_n(v, gear + 1) >= self.drive_force_n(v, gear) {
                return Some(rpm);
            }
            rpm += 10.0;
        }
        Some(self.redline_rpm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_car_is_valid_and_gt_like() {
        let car = Car::default();
        car.validate().expect("valid");
        let top_kmh = car.top_speed_mps() * 3.6;
        assert!((280.0..340.0).contains(&top_kmh), "{top_kmh}");
        assert_eq!(car.gear_for(10.0), 1);
        assert_eq!(car.gear_for(80.0), 6);
        for g in 1..car.gear_count() {
            let opt = car.optimal_upshift_rpm(g).expect("not top gear");
            assert!((6000.0..=car.redline_rpm).contains(&opt), "gear {g}: {opt}");
        }
        assert_eq!(car.optimal_upshift_rpm(car.gear_count()), None);
    }

    #[test]
    fn torque_interpolates_and_clamps() {
        let car = Car::default();
        assert_eq!(car.torque_nm(500.0), 280.0);
        assert_eq!(car.torque_nm(20000.0), 380.0);
        assert!((car.torque_nm(4000.0) - 430.0).abs() < 1e-9);
    }

    #[test]
    fn cornering_limit_uses_all_grip() {
        let car = Car::default();
        let kappa = 1.0 / 50.0;
        let v = car.cornering_limit_mps(kappa);
        assert!((v * v * kappa - car.grip_mps2(v)).abs() < 1e-9);
        assert!(car.longitudinal_grip_mps2(v, kappa) < 1e-3);
    }

    #[test]
    fn invalid_cars_are_rejected() {
        let mut car = Car { gear_ratios: vec![3.0, 3.5], ..Car::default() };
        assert!(car.validate().is_err());
        car = Car { shift_rpm: 12000.0, ..Car::default() };
        assert!(car.validate().is_err());
        car = Car { mass_kg: f64::NAN, ..Car::default() };
        assert!(car.validate().is_err());
    }
}

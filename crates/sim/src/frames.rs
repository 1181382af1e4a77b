//! [`Frames`]: plays a solved [`Simulation`] back as [`Frame`]s, without allocating.
//!
//! Each sample finds its profile segment (a cursor that only moves forward) and evaluates the segment's
//! constant acceleration exactly: speed, distance, and from them position, heading and curvature by linear
//! interpolation along the race line. Pedals follow from the force balance: the tyre force needed is
//! `m·a + drag + rolling resistance`; throttle covers it between engine braking and full power (1 on
//! power-limited segments), and the brake covers what engine braking does not. The small things (clutch
//! around shifts, pitch and roll from the accelerations, fuel, tyre temperatures and pressures, slip ratios)
//! are simple models stepped from frame to frame.

use racecraft_core::{Channel, Frame};

use crate::car::G;
use crate::consumption::wheel_load_g;
use crate::pit::REFUEL_LPS;
use crate::sim::Simulation;
use crate::track::wrap_angle;

/// Clutch pedal pulse around each gear change: pressed fully at the shift, released this long either side, s.
const CLUTCH_HALF_WIDTH_S: f64 = 0.06;
/// Body pitch per g of longitudinal acceleration, rad (nose up when accelerating).
const PITCH_PER_G: f64 = 0.008;
/// Body roll per g of lateral acceleration, rad (a left turn rolls the car onto its right side).
const ROLL_PER_G: f64 = 0.015;
/// Tyre temperature at the start line of lap 1 (out of the blankets, already driven a lap), °C.
const TYRE_START_C: f64 = 75.0;
/// Ambient temperature, °C.
const AMBIENT_C: f64 = 25.0;
/// Tyre cooling rate towards ambient, 1/s.
const TYRE_COOLING_PER_S: f64 = 0.02;
/// Tyre heating per metre travelled: rolling, and per g of load on that wheel, °C/m.
const TYRE_HEAT_ROLLING: f64 = 0.006;
const TYRE_HEAT_PER_G: f64 = 0.03;
/// Cold (gauge) pressure at ambient temperature, kPa.
const TYRE_COLD_KPA: f64 = 140.0;
const ATMOSPHERE_KPA: f64 = 101.325;
/// Longitudinal slip ratio at the full use of grip.
const SLIP_AT_LIMIT: f64 = 0.08;

/// Iterator over a simulation's frames; see [`Simulation::frames`].
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    sim: &'a Simulation,
    next: u64,
    segment: usize,
    /// Index of the first gear change after the current time.
    shift: usize,
    gear: u8,
    prev_t: f64,
    /// Fuel burnt from the start of lap 1 to the start of the current segment, litres.
    fuel_used_l: f64,
    /// Fuel added by the pit stops before the current segment, litres.
    fuel_added_l: f64,
    /// Tread worn when the tyres on the car were fitted.
    tyre_base: [f64; 4],
    /// Tread worn since the tyres on the car were fitted, to the start of the current segment.
    tyre_worn: [f64; 4],
    tyre_c: [f64; 4],
    tyre_heat_cps: [f64; 4],
}

impl<'a> Frames<'a> {
    pub(crate) fn new(sim: &'a Simulation) -> Frames<'a> {
        Frames {
            sim,
            next: 0,
            segment: sim.track.len(),
            shift: 0,
            gear: sim.initial_gear,
            prev_t: 0.0,
            fuel_used_l: 0.0,
            fuel_added_l: 0.0,
            tyre_base: sim.cfg.tyre_wear_start,
            tyre_worn: [0.0; 4],
            tyre_c: [TYRE_START_C; 4],
            tyre_heat_cps: [0.0; 4],
        }
    }

    fn frame_at(&mut self, t_us: i64) -> Frame {
        let sim = self.sim;
        let car = &sim.cfg.car;
        let track = &sim.track;
        let n = track.len();
        let ds = track.step_m();
        let t = t_us as f64 * 1e-6;

        // Integrate the slow states over the step since the previous frame.
        let dt = t - self.prev_t;
        self.prev_t = t;
        for (temp, heat) in self.tyre_c.iter_mut().zip(self.tyre_heat_cps) {
            *temp += dt * (heat - TYRE_COOLING_PER_S * (*temp - AMBIENT_C));
        }

        while self.segment + 2 < sim.v.len() && sim.t[self.segment + 1] <= t {
            let i = self.segment;
            if let Some(stop) = sim.stop_at(i) {
                self.fuel_added_l += stop.fuel_l;
                if stop.tyres {
                    (self.tyre_base, self.tyre_worn) = ([0.0; 4], [0.0; 4]);
                }
            }
            self.fuel_used_l += sim.segment_fuel_l(i, sim.t[i + 1] - sim.t[i]);
            for (worn, w) in self.tyre_worn.iter_mut().zip(sim.segment_wear(i, ds)) {
                *worn += w;
            }
            self.segment += 1;
        }
        let i = self.segment;
        let (v0, v1) = (sim.v[i], sim.v[i + 1]);
        let accel = (v1 * v1 - v0 * v0) / (2.0 * ds);
        let mut tau = (t - sim.t[i]).max(0.0);
        // In the box: stationary, refuelling, the tyres changed as the stop starts; then away.
        let (mut refuelling_l, mut tyre_base, mut tyre_worn) = (0.0, self.tyre_base, self.tyre_worn);
        if let Some(stop) = sim.stop_at(i) {
            refuelling_l = (tau * REFUEL_LPS).min(stop.fuel_l);
            if stop.tyres {
                (tyre_base, tyre_worn) = ([0.0; 4], [0.0; 4]);
            }
            tau = (tau - stop.stationary_s()).max(0.0);
        }
        let speed = (v0 + accel * tau).clamp(v0.min(v1), v0.max(v1));
        let into = (v0 * tau + 0.5 * accel * tau * tau).clamp(0.0, ds);
        let lap = i / n;
        let p = i % n;
        let q = (p + 1) % n;
        let f = into / ds;
        let lap_dist = p as f64 * ds + into;

        let line = track.race_line();
        let x = line[p][0] + f * (line[q][0] - line[p][0]);
        let y = line[p][1] + f * (line[q][1] - line[p][1]);
        // Heading is a cubic Hermite between points with the curvatures as slopes, so curvature (its
        // derivative) is continuous and yaw rate is exactly speed × curvature.
        let (k0, k1) = (track.curvature()[p], track.curvature()[q]);
        let turn = wrap_angle(track.heading()[q] - track.heading()[p]);
        let (f2, f3) = (f * f, f * f * f);
        let yaw = wrap_angle(
            track.heading()[p] + (3.0 * f2 - 2.0 * f3) * turn + ds * (k0 * (f3 - 2.0 * f2 + f) + k1 * (f3 - f2)),
        );
        let kappa = (6.0 * f - 6.0 * f2) * turn / ds + k0 * (3.0 * f2 - 4.0 * f + 1.0) + k1 * (3.0 * f2 - 2.0 * f);

        while let Some(&(at, gear)) = sim.shifts.get(self.shift)
            && at <= t
        {
            self.gear = gear;
            self.shift += 1;
        }
        let near = |k: usize| sim.shifts.get(k).map_or(0.0, |&(at, _)| 1.0 - (t - at).abs() / CLUTCH_HALF_WIDTH_S);
        let clutch = near(self.shift).max(if self.shift > 0 { near(self.shift - 1) } else { 0.0 }).max(0.0);
        let gear = self.gear;
        let rpm = car.rpm_at(speed, gear).max(car.idle_rpm);

        let tyre_force = car.mass_kg * accel + car.resistance_n(speed);
        let engine_brake = car.engine_brake_force_n(gear);
        let (throttle, brake) = if sim.power_limited[i] {
            (1.0, 0.0)
        } else if tyre_force >= -engine_brake {
            let full = car.drive_force_n(speed, gear);
            (((tyre_force + engine_brake) / (full + engine_brake)).clamp(0.0, 1.0), 0.0)
        } else {
            (0.0, ((-tyre_force - engine_brake) / car.max_brake_force_n()).clamp(0.0, 1.0))
        };

        let acc_lat_g = speed * speed * kappa / G;
        let acc_long_g = accel / G;

        // Next step's tyre heating, from this frame.
        for (heat, load_g) in self.tyre_heat_cps.iter_mut().zip(wheel_load_g(acc_lat_g, acc_long_g)) {
            *heat = speed * (TYRE_HEAT_ROLLING + TYRE_HEAT_PER_G * load_g);
        }
        let fuel_l =
            car.fuel_start_l - self.fuel_used_l - sim.segment_fuel_l(i, tau) + self.fuel_added_l + refuelling_l;
        let partial_wear = sim.segment_wear(i, into);
        let grip_use = tyre_force / (car.mass_kg * car.grip_mps2(speed));
        let slip = |front: bool| {
            if grip_use >= 0.0 {
                // Rear-wheel drive: only the rear tyres slip under power.
                if front { 0.0 } else { SLIP_AT_LIMIT * grip_use }
            } else {
                SLIP_AT_LIMIT * grip_use * if front { 1.1 } else { 0.9 }
            }
        };

        let lap_number = lap as u32;
        let lap_start_t = sim.t[lap * n];
        let mut frame = Frame::new(t_us);
        frame.set_f64(Channel::Speed, speed);
        frame.set_f64(Channel::Rpm, rpm);
        frame.set(Channel::Gear, f32::from(gear));
        frame.set_f64(Channel::Throttle, throttle);
        frame.set_f64(Channel::Brake, brake);
        frame.set_f64(Channel::Clutch, clutch);
        let steer = kappa * car.wheelbase_m * car.steering_ratio;
        frame.set_f64(Channel::Steer, steer);
        frame.set_f64(Channel::SteerInput, (steer / car.steering_lock_rad).clamp(-1.0, 1.0));
        frame.set_f64(Channel::PosX, x);
        frame.set_f64(Channel::PosY, y);
        frame.set(Channel::PosZ, 0.0);
        frame.set_f64(Channel::VelX, speed * yaw.cos());
        frame.set_f64(Channel::VelY, speed * yaw.sin());
        frame.set(Channel::VelZ, 0.0);
        frame.set_f64(Channel::AccLat, acc_lat_g);
        frame.set_f64(Channel::AccLong, acc_long_g);
        frame.set(Channel::AccVert, 1.0);
        frame.set_f64(Channel::Yaw, yaw);
        frame.set_f64(Channel::Pitch, PITCH_PER_G * acc_long_g);
        frame.set_f64(Channel::Roll, ROLL_PER_G * acc_lat_g);
        frame.set(Channel::Lap, lap_number as f32);
        frame.set_f64(Channel::LapTime, t - lap_start_t);
        if lap_number >= 2 {
            frame.set_f64(Channel::LastLapTime, sim.truth.laps[lap - 2].lap_time_s);
        }
        frame.set_f64(Channel::LapDist, lap_dist);
        frame.set_f64(Channel::LapDistPct, lap_dist / track.length_m());
        frame.set(Channel::Sector, (p / (n / 3)).min(2) as f32);
        frame.set_f64(Channel::Fuel, fuel_l.max(0.0));
        for w in 0..4 {
            let temp = self.tyre_c[w];
            let pressure = (TYRE_COLD_KPA + ATMOSPHERE_KPA) * (temp + 273.15) / (AMBIENT_C + 273.15) - ATMOSPHERE_KPA;
            frame.set_f64(TYRE_TEMP[w], temp);
            frame.set_f64(TYRE_PRESS[w], pressure);
            frame.set_f64(SLIP[w], slip(w < 2));
            frame.set_f64(TYRE_WEAR[w], (tyre_base[w] + tyre_worn[w] + partial_wear[w]).min(1.0));
        }
        frame.set(Channel::InPit, if sim.in_pit_lane(i) { 1.0 } else { 0.0 });
        frame.set(Channel::LapValid, 1.0);
        frame
    }
}

const TYRE_TEMP: [Channel; 4] = [Channel::TyreTempFl, Channel::TyreTempFr, Channel::TyreTempRl, Channel::TyreTempRr];
const TYRE_PRESS: [Channel; 4] =
    [Channel::TyrePressFl, Channel::TyrePressFr, Channel::TyrePressRl, Channel::TyrePressRr];
const TYRE_WEAR: [Channel; 4] = [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr];
const SLIP: [Channel; 4] = [Channel::SlipRatioFl, Channel::SlipRatioFr, Channel::SlipRatioRl, Channel::SlipRatioRr];

impl Iterator for Frames<'_> {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        if self.next >= self.sim.frame_count {
            return None;
        }
        let t_us = self.sim.frame_time_us(self.next);
        self.next += 1;
        Some(self.frame_at(t_us))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.sim.frame_count - self.next) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Frames<'_> {}

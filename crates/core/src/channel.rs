//! The channel table. One macro invocation defines the enum, its names, units and descriptions, so they
//! cannot drift apart; the index of a channel is its bit in a [`crate::Frame`]'s presence mask and on the wire.

/// Wheels in the order every per-wheel channel uses: front-left, front-right, rear-left, rear-right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wheel {
    /// Front left.
    FrontLeft,
    /// Front right.
    FrontRight,
    /// Rear left.
    RearLeft,
    /// Rear right.
    RearRight,
}

impl Wheel {
    /// All four, in channel order.
    pub const ALL: [Wheel; 4] = [Wheel::FrontLeft, Wheel::FrontRight, Wheel::RearLeft, Wheel::RearRight];
}

/// Static description of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Stable index: bit position in the presence mask. Never reused or reordered.
    pub index: u8,
    /// Name with its unit as a suffix, as used in JSON and exports.
    pub name: &'static str,
    /// Display unit.
    pub unit: &'static str,
    /// One-line description including the sign convention.
    pub description: &'static str,
}

macro_rules! channels {
    ($( $variant:ident = $idx:literal, $name:literal, $unit:literal, $desc:literal; )*) => {
        /// A normalized telemetry channel. The discriminant is the channel's stable index.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Channel {
            $( #[doc = $desc] $variant = $idx, )*
        }

        /// Number of channels in this version of the model.
        pub const CHANNEL_COUNT: usize = [$($idx),*].len();

        impl Channel {
            /// Every channel, in index order.
            pub const ALL: [Channel; CHANNEL_COUNT] = [$(Channel::$variant),*];

            /// Static description of this channel.
            pub const fn info(self) -> ChannelInfo {
                match self {
                    $( Channel::$variant => ChannelInfo { index: $idx, name: $name, unit: $unit, description: $desc }, )*
                }
            }
        }
    };
}

channels! {
    Speed = 0, "speed_mps", "m/s", "Speed over ground.";
    Rpm = 1, "rpm", "rpm", "Engine speed.";
    Gear = 2, "gear", "", "Gear: -1 reverse, 0 neutral, 1.. forward.";
    Throttle = 3, "throttle", "0..1", "Throttle pedal, 0 released to 1 fully pressed.";
    Brake = 4, "brake", "0..1", "Brake pedal, 0 released to 1 fully pressed.";
    Clutch = 5, "clutch", "0..1", "Clutch pedal, 0 released (engaged) to 1 fully pressed.";
    Steer = 6, "steer_rad", "rad", "Steering wheel angle, positive to the left.";
    PosX = 7, "pos_x_m", "m", "World position x.";
    PosY = 8, "pos_y_m", "m", "World position y.";
    PosZ = 9, "pos_z_m", "m", "World position z (up).";
    VelX = 10, "vel_x_mps", "m/s", "World velocity x.";
    VelY = 11, "vel_y_mps", "m/s", "World velocity y.";
    VelZ = 12, "vel_z_mps", "m/s", "World velocity z.";
    AccLat = 13, "acc_lat_g", "g", "Lateral acceleration in the car frame, positive to the left (ISO 8855).";
    AccLong = 14, "acc_long_g", "g", "Longitudinal acceleration in the car frame, positive when speeding up.";
    AccVert = 15, "acc_vert_g", "g", "Vertical acceleration in the car frame, positive up.";
    Yaw = 16, "yaw_rad", "rad", "Heading, counter-clockwise from world +x.";
    Pitch = 17, "pitch_rad", "rad", "Pitch, positive nose up.";
    Roll = 18, "roll_rad", "rad", "Roll, positive right side down.";
    Lap = 19, "lap", "", "Current lap number as the game counts it.";
    LapTime = 20, "lap_time_s", "s", "Time since the current lap started.";
    LastLapTime = 21, "last_lap_s", "s", "The game's time for the last completed lap.";
    LapDist = 22, "lap_dist_m", "m", "Distance from the start line along the lap.";
    LapDistPct = 23, "lap_dist_pct", "0..1", "Lap distance as a fraction of the lap.";
    Sector = 24, "sector", "", "Current sector, 0-based.";
    Fuel = 25, "fuel_l", "l", "Fuel in the tank.";
    TyreTempFl = 26, "tyre_temp_fl_c", "°C", "Tyre temperature, front left.";
    TyreTempFr = 27, "tyre_temp_fr_c", "°C", "Tyre temperature, front right.";
    TyreTempRl = 28, "tyre_temp_rl_c", "°C", "Tyre temperature, rear left.";
    TyreTempRr = 29, "tyre_temp_rr_c", "°C", "Tyre temperature, rear right.";
    TyrePressFl = 30, "tyre_press_fl_kpa", "kPa", "Tyre pressure, front left.";
    TyrePressFr = 31, "tyre_press_fr_kpa", "kPa", "Tyre pressure, front right.";
    TyrePressRl = 32, "tyre_press_rl_kpa", "kPa", "Tyre pressure, rear left.";
    TyrePressRr = 33, "tyre_press_rr_kpa", "kPa", "Tyre pressure, rear right.";
    SlipRatioFl = 34, "slip_ratio_fl", "", "Longitudinal slip ratio, front left.";
    SlipRatioFr = 35, "slip_ratio_fr", "", "Longitudinal slip ratio, front right.";
    SlipRatioRl = 36, "slip_ratio_rl", "", "Longitudinal slip ratio, rear left.";
    SlipRatioRr = 37, "slip_ratio_rr", "", "Longitudinal slip ratio, rear right.";
    InPit = 38, "in_pit", "0/1", "1 while the car is in the pit lane.";
    LapValid = 39, "lap_valid", "0/1", "0 once the game has invalidated the current lap.";
    SteerInput = 40, "steer_input", "-1..1", "Steering input as a fraction of full lock, for games that do not publish the wheel angle.";
}

// The presence mask is a u64.
const _: () = assert!(CHANNEL_COUNT <= 64);

impl Channel {
    /// The channel's stable index.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The channel at `index`, if there is one.
    pub fn from_index(index: usize) -> Option<Channel> {
        Channel::ALL.get(index).copied()
    }

    /// The channel named `name` (as in [`ChannelInfo::name`]).
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.iter().copied().find(|c| c.info().name == name)
    }

    /// Name with unit suffix, e.g. `speed_mps`.
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    /// Tyre temperature channel of a wheel.
    pub const fn tyre_temp(wheel: Wheel) -> Channel {
        [Channel::TyreTempFl, Channel::TyreTempFr, Channel::TyreTempRl, Channel::TyreTempRr][wheel as usize]
    }

    /// Tyre pressure channel of a wheel.
    pub const fn tyre_pressure(wheel: Wheel) -> Channel {
        [Channel::TyrePressFl, Channel::TyrePressFr, Channel::TyrePressRl, Channel::TyrePressRr][wheel as usize]
    }

    /// Slip ratio channel of a wheel.
    pub const fn slip_ratio(wheel: Wheel) -> Channel {
        [Channel::SlipRatioFl, Channel::SlipRatioFr, Channel::SlipRatioRl, Channel::SlipRatioRr][wheel as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_dense_and_names_unique() {
        for (i, c) in Channel::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(c.info().index as usize, i);
            assert_eq!(Channel::from_name(c.name()), Some(*c));
        }
        let mut names: Vec<_> = Channel::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHANNEL_COUNT);
        assert_eq!(Channel::from_index(CHANNEL_COUNT), None);
    }

    #[test]
    fn per_wheel_lookups() {
        assert_eq!(Channel::tyre_temp(Wheel::RearRight), Channel::TyreTempRr);
        assert_eq!(Channel::tyre_pressure(Wheel::FrontLeft), Channel::TyrePressFl);
        assert_eq!(Channel::slip_ratio(Wheel::FrontRight), Channel::SlipRatioFr);
    }
}

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

/// The tyre compound a car runs, as the [`Channel::TyreCompound`] channel codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Compound {
    /// A compound the game names but this model does not (a street tyre, a vintage slick).
    Other = 0,
    /// The softest dry compound of the set.
    Soft = 1,
    /// The middle dry compound.
    Medium = 2,
    /// The hardest dry compound.
    Hard = 3,
    /// Intermediate (light rain).
    Intermediate = 4,
    /// Full wet.
    Wet = 5,
}

impl Compound {
    /// The code the channel carries.
    pub const fn code(self) -> f32 {
        self as u8 as f32
    }

    /// The compound a channel value codes, if it is one of the codes.
    pub fn from_code(value: f32) -> Option<Compound> {
        const ALL: [Compound; 6] =
            [Compound::Other, Compound::Soft, Compound::Medium, Compound::Hard, Compound::Intermediate, Compound::Wet];
        ALL.into_iter().find(|c| c.code() == value)
    }

    /// Lower-case name, as shown and as serialised.
    pub const fn name(self) -> &'static str {
        match self {
            Compound::Other => "other",
            Compound::Soft => "soft",
            Compound::Medium => "medium",
            Compound::Hard => "hard",
            Compound::Intermediate => "intermediate",
            Compound::Wet => "wet",
        }
    }
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
    FuelKg = 41, "fuel_kg", "kg", "Fuel in the tank by mass, for games that report a mass rather than a volume (F1).";
    TyreWearFl = 42, "tyre_wear_fl", "0..1", "Tyre tread worn, front left: 0 new, 1 worn through.";
    TyreWearFr = 43, "tyre_wear_fr", "0..1", "Tyre tread worn, front right: 0 new, 1 worn through.";
    TyreWearRl = 44, "tyre_wear_rl", "0..1", "Tyre tread worn, rear left: 0 new, 1 worn through.";
    TyreWearRr = 45, "tyre_wear_rr", "0..1", "Tyre tread worn, rear right: 0 new, 1 worn through.";
    TyreCompound = 46, "tyre_compound", "", "Tyre compound fitted: 1 soft, 2 medium, 3 hard, 4 intermediate, 5 wet, 0 another the game names.";
    Damage = 47, "damage", "0..1", "Damage of the worst damaged part the game reports: 0 none, 1 destroyed.";
    Position = 48, "position", "", "Race position, 1 leading, where the game reports the field.";
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

    /// Tyre wear channel of a wheel.
    pub const fn tyre_wear(wheel: Wheel) -> Channel {
        [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr][wheel as usize]
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
        assert_eq!(Channel::tyre_wear(Wheel::RearLeft), Channel::TyreWearRl);
        assert_eq!(Channel::slip_ratio(Wheel::FrontRight), Channel::SlipRatioFr);
    }

    #[test]
    fn compound_codes_read_back() {
        for code in 0..6u8 {
            let compound = Compound::from_code(code as f32).expect("a code");
            assert_eq!(compound.code(), code as f32);
        }
        assert_eq!(Compound::from_code(2.0), Some(Compound::Medium));
        assert_eq!(Compound::from_code(6.0), None);
        assert_eq!(Compound::from_code(1.5), None);
        assert_eq!(Compound::from_code(f32::NAN), None);
    }
}

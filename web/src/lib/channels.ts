// Channel model of protocol v1. The server's `hello.channels` / `GET /api/channels` is authoritative;
// this table is only the fallback used before (or without) it.

import type { ChannelInfo } from './protocol';
export type { ChannelInfo };

export const MAX_CHANNELS = 64;

export const DEFAULT_CHANNEL_NAMES: readonly string[] = [
  'speed_mps', 'rpm', 'gear', 'throttle', 'brake', 'clutch', 'steer_rad',
  'pos_x_m', 'pos_y_m', 'pos_z_m', 'vel_x_mps', 'vel_y_mps', 'vel_z_mps',
  'acc_lat_g', 'acc_long_g', 'acc_vert_g', 'yaw_rad', 'pitch_rad', 'roll_rad',
  'lap', 'lap_time_s', 'last_lap_s', 'lap_dist_m', 'lap_dist_pct', 'sector', 'fuel_l',
  'tyre_temp_fl_c', 'tyre_temp_fr_c', 'tyre_temp_rl_c', 'tyre_temp_rr_c',
  'tyre_press_fl_kpa', 'tyre_press_fr_kpa', 'tyre_press_rl_kpa', 'tyre_press_rr_kpa',
  'slip_ratio_fl', 'slip_ratio_fr', 'slip_ratio_rl', 'slip_ratio_rr',
  'in_pit', 'lap_valid', 'steer_input', 'fuel_kg',
  'tyre_wear_fl', 'tyre_wear_fr', 'tyre_wear_rl', 'tyre_wear_rr',
  'tyre_compound', 'damage', 'position',
];

/** Maps channel names to mask indices and back. */
export class ChannelMap {
  readonly names: (string | undefined)[] = new Array(MAX_CHANNELS).fill(undefined);
  private readonly byName = new Map<string, number>();

  constructor(channels: readonly (ChannelInfo | string)[] = DEFAULT_CHANNEL_NAMES) {
    channels.forEach((c, i) => {
      const index = typeof c === 'string' ? i : c.index;
      const name = typeof c === 'string' ? c : c.name;
      if (!Number.isInteger(index) || index < 0 || index >= MAX_CHANNELS || !name) return;
      this.names[index] = name;
      this.byName.set(name, index);
    });
  }

  /** Index of `name`, or -1 when the channel is unknown. */
  index(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  name(index: number): string | undefined {
    return this.names[index];
  }
}

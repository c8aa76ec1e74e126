/** Ids in the registry and in topics: `[A-Za-z0-9_-]{1,64}` (CONTRACT.md §5). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const DEVICE_CHANNELS = ['telemetry', 'events', 'status', 'commands'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];
export type InboundChannel = Exclude<DeviceChannel, 'commands'>;
export const INBOUND_CHANNELS: readonly InboundChannel[] = ['telemetry', 'events', 'status'];

export interface DeviceTopic {
  deviceId: string;
  channel: DeviceChannel;
}

/** Parses `devices/{id}/{channel}`; anything else is not a device topic. */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'devices') return undefined;
  const [, deviceId, channel] = parts as [string, string, string];
  if (!ID_PATTERN.test(deviceId)) return undefined;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { deviceId, channel: channel as DeviceChannel };
}

export function isInboundChannel(channel: DeviceChannel): channel is InboundChannel {
  return channel !== 'commands';
}

export const deviceTopic = (deviceId: string, channel: DeviceChannel): string => `devices/${deviceId}/${channel}`;

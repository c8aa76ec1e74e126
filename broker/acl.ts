import { parseDeviceTopic, isInboundChannel, type InboundChannel } from '../sensors/index.js';

/**
 * CONTRACT.md §2: a device publishes only under `devices/{its own id}/…` and subscribes only
 * to `devices/{its own id}/commands`.
 */
export type PublishDecision = { allowed: true; channel: InboundChannel } | { allowed: false; reason: string };

export function authorizeDevicePublish(deviceId: string, topic: string): PublishDecision {
  const parsed = parseDeviceTopic(topic);
  if (parsed === undefined) return { allowed: false, reason: `topic "${topic}" is not a device topic` };
  if (parsed.deviceId !== deviceId) return { allowed: false, reason: `topic "${topic}" belongs to another device` };
  if (!isInboundChannel(parsed.channel)) return { allowed: false, reason: 'devices do not publish commands' };
  return { allowed: true, channel: parsed.channel };
}

export function authorizeDeviceSubscribe(deviceId: string, topicFilter: string): boolean {
  return topicFilter === `devices/${deviceId}/commands`;
}

import type { NotifyTarget } from './escalation-policy.js';
import type { RepageCause } from './repage-policy.js';
import type { Severity } from './severity.js';
import { SAFETY_KINDS, type OutcomeDetails } from './types.js';

/** Every alert kind in CONTRACT.md, plus `not_worn`. */
export const ALERT_KINDS = [...SAFETY_KINDS, 'aed_opened', 'aed_fault', 'aqhi_high', 'bin_full'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_STATES = ['open', 'acked', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * Kinds only a person may close: the condition going away (no new event) says nothing about
 * whether the resident, or the patient near an opened AED cabinet, is safe.
 */
export const MANUAL_CLOSE_KINDS: ReadonlySet<AlertKind> = new Set<AlertKind>(['fall', 'sos', 'aed_opened']);

interface EntryBase {
  atMs: number;
}

export type RaisedEntry = EntryBase & {
  type: 'raised';
  severity: Severity;
  /** 1 for the raise that opened the alert, then 2, 3, ... for repeats. */
  occurrence: number;
  /** Set when this raise lifted the severity. */
  previousSeverity?: Severity;
};
export type PagedEntry = EntryBase & { type: 'paged'; to: string; channel: string; step: number | null };
export type DeliveredEntry = EntryBase & { type: 'delivered'; to: string; channel: string };
/**
 * A delivery that failed: `code` says why in a word an app can translate (CONTRACT: timeline),
 * `error` is the channel's own text for whoever fixes it.
 */
export type FailedEntry = EntryBase & { type: 'failed'; to: string; channel: string; error: string; code?: string; attempt?: number; maxAttempts?: number };
export type AckedEntry = EntryBase & { type: 'acked'; by: string; note?: string };
export type EscalatedEntry = EntryBase & {
  type: 'escalated';
  step: number;
  reason: 'step' | 'repage';
  notify: readonly NotifyTarget[];
  recipients: readonly string[];
};
/**
 * The current step's people paged again while nobody has acked: a new critical occurrence
 * (`new_occurrence`) or the chain run out (`last_step_repeated`, every `repeatLastStepS`).
 */
export type RepagedEntry = EntryBase & {
  type: 'repaged';
  step: number;
  cause: RepageCause;
  notify: readonly NotifyTarget[];
  recipients: readonly string[];
};
export type DigestedEntry = EntryBase & { type: 'digested'; sendAtMs: number; recipients: readonly string[] };
export type ResolvedEntry = EntryBase & {
  type: 'resolved';
  /** Null when the condition cleared by itself. */
  by: string | null;
  reason: 'manual' | 'cleared';
  note?: string;
};
/**
 * A person's note, or one the system writes. A system note also carries its `code` and `params`
 * (names, not ids) and its Chinese text `zh`; `text` is the English one.
 */
export type NoteEntry = EntryBase & { type: 'note'; text: string; by: string | null; code?: string; params?: Record<string, string | number>; zh?: string; detail?: string };

export type TimelineEntry =
  | RaisedEntry
  | PagedEntry
  | DeliveredEntry
  | FailedEntry
  | AckedEntry
  | EscalatedEntry
  | RepagedEntry
  | DigestedEntry
  | ResolvedEntry
  | NoteEntry;

/** Entries the I/O side reports (pages and their fate, escalation steps, notes). */
export type RecordedEntry = PagedEntry | DeliveredEntry | FailedEntry | EscalatedEntry | RepagedEntry | DigestedEntry | NoteEntry;

/**
 * One alert. Times are epoch milliseconds (the field names are the contract's); unset times and
 * the assignee are null so the record stays plain JSON.
 */
export interface Alert {
  id: string;
  kind: AlertKind;
  severity: Severity;
  state: AlertState;
  subject: string;
  grid: string;
  createdAt: number;
  ackedAt: number | null;
  resolvedAt: number | null;
  assignee: string | null;
  occurrences: number;
  lastOccurredAt: number;
  /** The latest raise's details. */
  details: OutcomeDetails;
  timeline: readonly TimelineEntry[];
}

/** The dedup key: at most one open or acked alert per (subject, kind). */
export function alertKey(subject: string, kind: AlertKind): string {
  return `${kind}:${subject}`;
}

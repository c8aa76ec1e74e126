// @ts-check
import { api } from './session.js';

/** @typedef {import('./types.js').AlertChangeMessage} AlertChangeMessage */
/** @typedef {'connecting' | 'live' | 'down'} StreamStatus */

/*
 * Server-Sent Events. EventSource cannot send the Authorization header, so the alert stream is
 * opened with a one-use ticket (POST /api/stream-tickets). A spent ticket cannot reconnect, so on
 * any error the page closes the stream itself, asks for a new ticket and, once the stream says
 * hello again, reloads the list to catch what it missed.
 */

const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * @param {{ onHello: () => void, onAlert: (message: AlertChangeMessage) => void, onStatus: (status: StreamStatus) => void }} handlers
 * @returns {{ close: () => void }}
 */
export function openAlertStream(handlers) {
  /** @type {EventSource | undefined} */
  let source;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retryTimer;
  let failures = 0;
  let closed = false;

  const retry = () => {
    source?.close();
    source = undefined;
    if (closed) return;
    handlers.onStatus('down');
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 30_000;
    failures++;
    retryTimer = setTimeout(() => void connect(), delay);
  };

  const connect = async () => {
    handlers.onStatus('connecting');
    let ticket;
    try {
      ({ ticket } = /** @type {{ ticket: string }} */ (await api('/api/stream-tickets', { method: 'POST' })));
    } catch {
      retry();
      return;
    }
    if (closed) return;
    source = new EventSource(`/api/alerts/stream?ticket=${encodeURIComponent(ticket)}`);
    source.addEventListener('hello', () => {
      failures = 0;
      handlers.onStatus('live');
      handlers.onHello();
    });
    source.addEventListener('alert', (event) => handlers.onAlert(JSON.parse(/** @type {MessageEvent<string>} */ (event).data)));
    source.addEventListener('error', retry);
  };

  const close = () => {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
  };
  // Leaving the page ends the stream cleanly rather than as an aborted request.
  addEventListener('pagehide', close);
  void connect();
  return { close };
}

/**
 * The public index stream: a `snapshot` on every (re)connect, then `index` events. EventSource
 * reconnects by itself here (no ticket) and sends Last-Event-ID.
 * @param {{ onSnapshot: (feed: import('./types.js').AqhiFeed) => void, onIndex: (station: import('./types.js').StationIndex) => void, onStatus: (status: StreamStatus) => void }} handlers
 */
export function openAqhiStream(handlers) {
  const source = new EventSource('/api/aqhi/stream');
  source.addEventListener('open', () => handlers.onStatus('live'));
  source.addEventListener('snapshot', (event) => handlers.onSnapshot(JSON.parse(/** @type {MessageEvent<string>} */ (event).data)));
  source.addEventListener('index', (event) => handlers.onIndex(JSON.parse(/** @type {MessageEvent<string>} */ (event).data)));
  source.addEventListener('error', () => handlers.onStatus(source.readyState === EventSource.CLOSED ? 'down' : 'connecting'));
  addEventListener('pagehide', () => source.close());
  return { close: () => source.close() };
}

/**
 * The map's live signal (GET /api/map/stream): `changed` whenever what the map draws has moved.
 * The signed-in device's cookie opens it; EventSource reconnects by itself.
 * @param {() => void} onChanged
 */
export function openMapStream(onChanged) {
  const source = new EventSource('/api/map/stream');
  source.addEventListener('changed', onChanged);
  // A reconnect may have missed changes: read the map again once it is back.
  source.addEventListener('hello', onChanged);
  addEventListener('pagehide', () => source.close());
  return { close: () => source.close() };
}

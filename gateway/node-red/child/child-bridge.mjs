// The child's end of the bridge: one JSON message per line each way over the socket the gateway
// handed over as fd 3. Requests (raise an alert, page, look up) get an id and wait for its reply.
import { EventEmitter } from 'node:events';

const MAX_LINE_CHARS = 4 * 1024 * 1024;

export function createChildBridge(socket) {
  const events = new EventEmitter();
  const pending = new Map();
  let nextId = 1;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffered += chunk;
    if (buffered.length > MAX_LINE_CHARS && !buffered.includes('\n')) {
      socket.destroy();
      return;
    }
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      if (message.t === 'reply') {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (call === undefined) continue;
        if (message.ok) call.resolve(message.value);
        else call.reject(new Error(String(message.error)));
      } else events.emit(message.t, message);
    }
  });
  socket.on('close', () => events.emit('close'));
  socket.on('error', () => socket.destroy());
  return {
    send(message) {
      if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
    },
    call(action, body) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        this.send({ t: 'call', id, action, ...body });
      });
    },
    on: (type, listener) => events.on(type, listener),
    once: (type, listener) => events.once(type, listener),
    onClose: (listener) => events.once('close', listener),
  };
}

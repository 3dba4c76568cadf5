'use strict';
// Socket.IO 4 peer for the fan-out benchmark (issue 6): one process of a horizontally scaled
// Socket.IO deployment, rooms shared through @socket.io/redis-adapter on the same Redis as Chorus.
// Semantics kept to the minimum the benchmark compares: a client connects with
// ?room_id=&user_id=, joins that room and gets "room_info"; a "control" from any client is
// broadcast to the whole room (every process) as {type: <action>, room_id, user_id, position, timestamp, version}.
// Environment: PORT (3001), REDIS_ADDR (host:port, 127.0.0.1:16379).
const http = require('http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const port = Number(process.env.PORT || 3001);
const redisAddr = process.env.REDIS_ADDR || '127.0.0.1:16379';

async function main() {
  const pub = createClient({ url: `redis://${redisAddr}` });
  const sub = pub.duplicate();
  pub.on('error', (e) => console.error(`redis pub: ${e.message}`));
  sub.on('error', (e) => console.error(`redis sub: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);

  const server = http.createServer((req, res) => {
    if (req.url === '/memory') {
      // for scripts/bench-connections: heap after a full GC (node --expose-gc) and RSS, in bytes
      if (global.gc) {
        global.gc();
      }
      const m = process.memoryUsage();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ heapUsed: m.heapUsed, external: m.external, rss: m.rss, gc: !!global.gc, sockets: io.of('/').sockets.size }));
      return;
    }
    if (req.url === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ready', port, sockets: io.of('/').sockets.size }));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const io = new Server(server, { adapter: createAdapter(pub, sub), transports: ['websocket'], cors: { origin: '*' } });
  let version = 0;
  io.on('connection', (socket) => {
    const roomId = String(socket.handshake.query.room_id || '');
    const userId = String(socket.handshake.query.user_id || socket.id);
    if (!roomId) {
      socket.emit('error_frame', { type: 'error', code: 'invalid_argument', message: 'room_id is required' });
      socket.disconnect(true);
      return;
    }
    socket.join(roomId);
    socket.emit('room_info', { type: 'room_info', room_id: roomId, you: userId, timestamp: Math.floor(Date.now() / 1000) });
    socket.on('control', (msg) => {
      if (!msg || typeof msg.action !== 'string') {
        return;
      }
      const now = Date.now();
      io.to(roomId).emit('room_event', {
        type: msg.action, room_id: roomId, user_id: userId, user_name: userId,
        position: typeof msg.position === 'number' ? msg.position : 0,
        timestamp: Math.floor(now / 1000), version: ++version,
      });
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`socketio-peer: listening on 127.0.0.1:${port}, redis ${redisAddr}`));
  const stop = () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(`socketio-peer: ${e.stack || e}`);
  process.exit(1);
});

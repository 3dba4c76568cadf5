// A quiet test track: 8 kHz, 8-bit mono PCM WAV; a short 440 Hz beep every second and an 880 Hz
// one every tenth second, so that two players in sync can be heard beeping together.
export function toneWav(seconds, rate = 8000) {
  const n = seconds * rate;
  const buf = Buffer.alloc(44 + n);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);      // fmt chunk size
  buf.writeUInt16LE(1, 20);       // PCM
  buf.writeUInt16LE(1, 22);       // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate, 28);    // byte rate
  buf.writeUInt16LE(1, 32);       // block align
  buf.writeUInt16LE(8, 34);       // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const second = Math.floor(t);
    const within = t - second;
    let v = 0;
    if (within < 0.08) {
      const f = second % 10 === 0 ? 880 : 440;
      v = Math.sin(2 * Math.PI * f * t) * 40;
    }
    buf[44 + i] = 128 + Math.round(v);
  }
  return buf;
}

'use strict';
// CPU time of a process from /proc/<pid>/stat (Linux), shared by the benchmark generators.

const fs = require('fs');

// [utime, stime] in clock ticks; [NaN, NaN] when the process is gone or /proc is unreadable
function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(f[11]), Number(f[12])]; // fields 14 and 15 of proc(5)
  } catch (e) {
    return [NaN, NaN];
  }
}

module.exports = { cpuTicks };

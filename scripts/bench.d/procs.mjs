// CPU time of the processes a browser benchmark run moves bytes through, read from /proc: the
// Chromium processes this Node process launched (by kind: renderers, the network service, the
// browser process with the rest of its helpers) and named servers given by PID (waybill serve,
// the registry). CPU seconds per GiB moved do not depend on what else the machine is doing, unlike
// MB/s on a machine shared with other jobs; their sum over two cores bounds the rate.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields 4 (ppid), 14 (utime) and 15 (stime) of proc(5), counted from field 3 here.
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return null; // gone
  }
}

// Chromium renames its helpers' command lines (arguments joined by spaces), so split on both.
function chromiumKind(pid) {
  let args;
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
  } catch {
    return null;
  }
  if (!args[0].includes('chrom')) return null;
  const type = args.find((a) => a.startsWith('--type='))?.slice(7);
  if (type === 'renderer') return 'renderer';
  if (args.some((a) => a.startsWith('--utility-sub-type=network.'))) return 'network';
  return 'browser';
}

/** Processes of a run: the descendants of this Node process that are Chromium, plus `named`. */
export class Processes {
  /** @param {Record<string, number>} named e.g. { serve: 1234, registry: 5678 } */
  constructor(named) {
    this.named = named;
  }

  /** CPU seconds so far of every process, by PID, with its kind. */
  sample() {
    const all = new Map();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = stat(entry);
      if (s) all.set(Number(entry), s);
    }
    const mine = new Set([process.pid]);
    // Parents have lower PIDs only most of the time: repeat until nothing is added.
    for (let grown = true; grown;) {
      grown = false;
      for (const [pid, s] of all) {
        if (!mine.has(pid) && mine.has(s.ppid)) {
          mine.add(pid);
          grown = true;
        }
      }
    }
    const out = new Map();
    for (const pid of mine) {
      const kind = pid === process.pid ? null : chromiumKind(pid);
      if (kind) out.set(pid, { kind, cpu: all.get(pid).cpu });
    }
    for (const [kind, pid] of Object.entries(this.named)) {
      if (all.has(pid)) out.set(pid, { kind, cpu: all.get(pid).cpu });
    }
    return out;
  }

  /** CPU seconds per kind between two samples (processes started in between count from 0). */
  static spent(before, after) {
    const out = {};
    for (const [pid, { kind, cpu }] of after) {
      out[kind] = (out[kind] ?? 0) + cpu - (before.get(pid)?.cpu ?? 0);
    }
    return out;
  }
}

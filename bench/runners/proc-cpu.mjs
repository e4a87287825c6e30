// CPU time of a process tree on Linux (/proc), for the browser benchmark's CPU
// column: Chromium is a child of this Node process, and every Web Worker and
// kernel thread of the page is a thread of one of its processes.
import { readFileSync, readdirSync } from "node:fs";

const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** utime + stime (seconds) of every process below `root` (not `root` itself); undefined where /proc is missing. */
export function descendantsCpuSeconds(root = process.pid) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const stat = new Map();
  for (const pid of pids) {
    try {
      // Fields after the command name "(…)": state ppid … utime(14) stime(15), counted from 1.
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stat.set(Number(pid), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  const children = new Map();
  for (const [pid, s] of stat) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop();
    ticks += stat.get(pid).ticks;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / TICK;
}

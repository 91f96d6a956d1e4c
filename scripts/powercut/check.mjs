// Bookkeeping for the power-cut test: what was acknowledged before each cut, what the subscriber got
// after it, and the per-cycle line and summary table.

export class Ledger {
  /** payload -> times delivered, over the whole run */
  delivered = new Map();
  retainedAcked = 0; // highest retained counter acknowledged so far
  retainedSent = 0; // highest retained counter sent so far
  rows = [];

  /**
   * One cycle's verdict, after the reboot: `acked` payloads (PUBACK/PUBCOMP seen before the cut),
   * `drained` payloads the subscriber received after it, the retained value read, the boot's console.
   */
  check({ cycle, acked, sent, drained, sessionLost, retained, console, bootMs, trafficMs }) {
    let dupQ2 = 0;
    let dupQ1 = 0;
    const ackedSet = new Set(acked);
    let unackedArrived = 0; // in flight at the cut, delivered all the same
    for (const p of drained) {
      const n = (this.delivered.get(p) ?? 0) + 1;
      this.delivered.set(p, n);
      if (n > 1 && p.startsWith('q2:')) dupQ2++;
      if (n > 1 && p.startsWith('q1:')) dupQ1++;
      if (n === 1 && !ackedSet.has(p)) unackedArrived++;
    }
    const lostList = acked.filter((p) => !this.delivered.has(p));
    const lost = lostList.length;
    const value = retained === undefined ? undefined : Number(retained);
    const retainedOk = value === undefined ? this.retainedAcked === 0 : value >= this.retainedAcked && value <= this.retainedSent;
    const dbOk = /"msg":"listening on/.test(console) && !/corrupt/i.test(console);
    const row = { lostSample: lostList.slice(0, 5), sessionLost, cycle, acked: acked.length, sent, delivered: drained.length, lost, dupQ2, dupQ1, unackedArrived, retained: retained ?? '-', retainedAcked: this.retainedAcked, retainedOk, dbOk, bootMs, trafficMs };
    this.rows.push(row);
    return row;
  }

  get failed() {
    return this.rows.some((r) => r.lost > 0 || r.sessionLost || r.dupQ2 > 0 || !r.retainedOk || !r.dbOk);
  }
}

export function cycleLine(r, cycles) {
  return (
    `cycle ${r.cycle}/${cycles}: ${r.trafficMs} ms of traffic, acked ${r.acked} of ${r.sent} sent, delivered ${r.delivered} ` +
    `(${r.unackedArrived} unacked survived)${r.sessionLost ? ', SUBSCRIBER SESSION LOST' : ''}, LOST ${r.lost}${r.lost ? ` (${r.lostSample.join(' ')} ...)` : ''}, QoS 2 duplicates ${r.dupQ2} (QoS 1 ${r.dupQ1}), ` +
    `retained ${r.retained} (acked ${r.retainedAcked}) ${r.retainedOk ? 'ok' : 'WRONG'}, database ${r.dbOk ? 'ok' : 'NOT OK'}; reboot ${(r.bootMs / 1000).toFixed(1)} s`
  );
}

export function summaryTable(rows) {
  const head = ['cycle', 'acked', 'delivered', 'lost', 'dup QoS 2', 'dup QoS 1', 'session kept', 'retained ok', 'database ok'];
  const cells = rows.map((r) => [r.cycle, r.acked, r.delivered, r.lost, r.dupQ2, r.dupQ1, r.sessionLost ? 'NO' : 'yes', r.retainedOk ? 'yes' : 'NO', r.dbOk ? 'yes' : 'NO']);
  const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
  const count = (k) => `${rows.filter((r) => r[k]).length}/${rows.length}`;
  cells.push(['total', sum('acked'), sum('delivered'), sum('lost'), sum('dupQ2'), sum('dupQ1'), `${rows.filter((r) => !r.sessionLost).length}/${rows.length}`, count('retainedOk'), count('dbOk')]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => c.map((v, i) => String(v).padStart(widths[i])).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

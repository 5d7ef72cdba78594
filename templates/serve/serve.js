// road_runner serve: the run page's live part. Loads the shmoo (the report's drawing, rendered by
// the server), follows the run's server-sent events, and redraws counts, latest steps and the
// shmoo as steps end. Text from the records is only ever set with textContent.
'use strict';

(function () {
  const main = document.getElementById('run');
  if (!main) return;
  const shmooBox = document.getElementById('shmoo');
  let shmooBusy = false;
  let shmooAgain = false;
  let shmooPause = 0;

  // One request at a time; a step that ends meanwhile asks for one more afterwards.
  function loadShmoo() {
    if (shmooBusy) { shmooAgain = true; return; }
    shmooBusy = true;
    const started = performance.now();
    fetch(main.dataset.shmoo, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status))))
      .then((html) => {
        // Server-rendered with autoescape; scripts inserted this way never run, and the CSP forbids inline ones.
        const doc = new DOMParser().parseFromString(html, 'text/html');
        const fragment = doc.querySelector('.shmoo-fragment');
        if (fragment) shmooBox.replaceChildren(document.importNode(fragment, true));
        shmooBox.dataset.loaded = String(Date.now());
      })
      .catch((e) => { shmooBox.dataset.error = String(e); })
      .finally(() => {
        // A large shmoo (tens of thousands of cells) is drawn again at most every twice its own load time.
        shmooPause = Math.min(10000, 2 * (performance.now() - started));
        setTimeout(() => {
          shmooBusy = false;
          if (shmooAgain) { shmooAgain = false; loadShmoo(); }
        }, shmooPause > 200 ? shmooPause : 0);
      });
  }

  function openSubrun(id) {
    location.href = '/runs/' + encodeURIComponent(main.dataset.run) + '?subrun=' + encodeURIComponent(id) + '#steps';
  }

  // A large panel has no element per cell: its `.shmoo-hits` group lists every cell (see
  // HitLayer in src/report/shmooSvg.ts), read once per drawing into a map by grid position.
  const hitTables = new WeakMap();
  function hitTable(hits) {
    let t = hitTables.get(hits);
    if (t) return t;
    const d = hits.dataset;
    t = {
      left: Number(d.left), top: Number(d.top), cw: Number(d.cw), ch: Number(d.ch), nrows: Number(d.nrows), ncols: Number(d.ncols),
      x: d.x, y: d.y, at: d.at, cols: d.cols.split('|'), rows: d.rows.split('|'), states: d.states.split('|'), outcomes: d.outcomes.split('|'),
      prefix: d.prefix, cells: new Map(),
    };
    for (const entry of d.cells ? d.cells.split(';') : []) {
      const parts = entry.split(' ');
      const f = parts[0].split(',').map(Number);
      const points = parts.slice(1).map((p) => {
        const cut = p.lastIndexOf(':');
        return { id: t.prefix + p.slice(0, cut), outcome: t.outcomes[Number(p.slice(cut + 1))] || 'planned' };
      });
      t.cells.set(f[1] * t.ncols + f[0], { col: f[0], row: f[1], state: t.states[f[2]], fails: f[3], passes: f[4], points });
    }
    hitTables.set(hits, t);
    return t;
  }

  // The cell under a pointer event in a large panel, or null.
  function cellAt(event) {
    const svg = event.target instanceof Element ? event.target.closest('svg') : null;
    const hits = svg ? svg.querySelector('.shmoo-hits') : null;
    if (!hits) return null;
    const t = hitTable(hits);
    const pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const col = Math.floor((pt.x - t.left) / t.cw);
    const fromTop = Math.floor((pt.y - t.top) / t.ch);
    if (col < 0 || col >= t.ncols || fromTop < 0 || fromTop >= t.nrows) return null;
    const cell = t.cells.get((t.nrows - 1 - fromTop) * t.ncols + col);
    return cell ? { svg, t, cell } : null;
  }

  // The hover text a small panel's cell carries in its <title>: point, verdict, sub-runs.
  function describe(t, cell) {
    const verdict = cell.state === 'flaky' ? 'flaky: failed ' + cell.fails + ' of ' + (cell.passes + cell.fails) : cell.state.replace('-', ' ');
    const where = [t.at, t.y && t.rows[cell.row] ? t.y + '=' + t.rows[cell.row] : '', t.x && t.cols[cell.col] ? t.x + '=' + t.cols[cell.col] : '']
      .filter(Boolean).join(', ');
    const lines = [cell.points.length && where ? where + ' — ' + verdict : verdict];
    for (const p of cell.points.slice(0, 6)) lines.push(p.id + ': ' + p.outcome);
    if (cell.points.length > 6) lines.push('… ' + (cell.points.length - 6) + ' more');
    return lines.join('\n');
  }

  const tip = document.createElement('div');
  tip.className = 'shmoo-tip';
  tip.hidden = true;
  document.body.append(tip);
  let hover = null;
  shmooBox.addEventListener('mousemove', (event) => {
    const found = cellAt(event);
    if (!found) { tip.hidden = true; if (hover) hover.remove(); return; }
    const { svg, t, cell } = found;
    tip.textContent = describe(t, cell);
    tip.style.left = (event.clientX + 14) + 'px';
    tip.style.top = (event.clientY + 14) + 'px';
    tip.hidden = false;
    if (!hover) {
      hover = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      hover.setAttribute('class', 'shmoo-hover');
    }
    hover.setAttribute('x', String(t.left + cell.col * t.cw));
    hover.setAttribute('y', String(t.top + (t.nrows - 1 - cell.row) * t.ch));
    hover.setAttribute('width', String(t.cw - 1));
    hover.setAttribute('height', String(t.ch - 1));
    if (hover.parentNode !== svg) svg.append(hover);
    svg.style.cursor = cell.points.length ? 'pointer' : '';
  });
  shmooBox.addEventListener('mouseleave', () => { tip.hidden = true; if (hover) hover.remove(); });

  // A click on a cell lists the steps of its sub-run: a small panel's cell carries data-subrun,
  // a large panel's is found from the click position.
  shmooBox.addEventListener('click', (event) => {
    const cell = event.target instanceof Element ? event.target.closest('[data-subrun]') : null;
    if (cell) {
      event.preventDefault();
      openSubrun(cell.dataset.subrun);
      return;
    }
    const found = cellAt(event);
    if (!found || found.cell.points.length === 0) return;
    event.preventDefault();
    openSubrun(found.cell.points[0].id);
  });

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function showProgress(p) {
    document.getElementById('steps-done').textContent = String(p.steps);
    document.getElementById('subruns-started').textContent = String(p.subrunsStarted);
    document.getElementById('subrun-total').textContent = String(p.subrunTotal);
    for (const el of document.querySelectorAll('[data-count]')) el.textContent = String(p.counts[el.dataset.count] ?? 0);
    document.getElementById('running').textContent = p.running || 'between steps';
    const body = document.querySelector('#recent tbody');
    const rows = (p.recent || []).slice().reverse().map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.status = s.outcome;
      const status = document.createElement('span');
      status.className = 'status o-' + s.outcome;
      status.textContent = s.outcome;
      const statusCell = cell('');
      statusCell.append(status);
      const logs = cell('');
      if (s.log) {
        const a = document.createElement('a');
        a.href = s.log;
        a.className = 'log-link';
        a.textContent = 'logs';
        logs.append(a);
      }
      tr.append(cell(s.subrun_id, 'mono'), cell(String(s.index), 'num'), cell(s.step_id), statusCell,
        cell(s.exit_code === null ? (s.signal || '—') : String(s.exit_code), 'num'), cell(s.duration, 'num'), logs);
      return tr;
    });
    body.replaceChildren(...rows);
    main.dataset.version = String(p.version);
  }

  loadShmoo();
  if (main.dataset.live !== 'true' || typeof EventSource === 'undefined') return;
  const events = new EventSource(main.dataset.events);
  let lastSteps = -1;
  events.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    showProgress(p);
    if (p.steps !== lastSteps) { lastSteps = p.steps; loadShmoo(); }
  });
  events.addEventListener('end', (e) => {
    events.close();
    showProgress(JSON.parse(e.data));
    // The run is over: its summary is final, so the page is drawn again from it.
    location.reload();
  });
})();

// road_runner serve: the fleet page's live part. Every data-refresh ms it fetches the hosts,
// units and jobs (/fleet/live, rendered and escaped by the server) and puts them in place; when
// a job has ended since (data-stamp changed) it fetches the boundary distribution again. A
// database outage comes back as a fragment saying so, and the next fetch tries again.
(function () {
  const main = document.getElementById('fleet');
  if (!main) return;
  const every = Math.max(500, Number(main.dataset.refresh) || 2000);

  function fragmentOf(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    return doc.querySelector('.fleet-fragment');
  }

  // Any answer with a fragment is shown, a 503 (database away) included.
  function load(url, box) {
    return fetch(url, { credentials: 'same-origin' })
      .then((r) => r.text().then((html) => ({ ok: r.ok, status: r.status, html })))
      .then((r) => {
        const fragment = fragmentOf(r.html);
        if (!fragment) throw new Error('HTTP ' + r.status);
        box.replaceChildren(document.importNode(fragment, true));
        box.dataset.loaded = String(Date.now());
        delete box.dataset.error;
        return fragment;
      });
  }

  const liveBox = document.getElementById('fleet-live');
  const distBox = document.getElementById('fleet-dist');
  const first = liveBox.querySelector('.fleet-fragment');
  let stamp = first ? first.dataset.stamp : '';
  let distOk = distBox.querySelector('.fleet-fragment[data-ok="true"]') !== null;

  function tick() {
    load(main.dataset.live, liveBox)
      .then((fragment) => {
        if (fragment.dataset.ok !== 'true') return undefined;
        if (fragment.dataset.stamp === stamp && distOk) return undefined;
        stamp = fragment.dataset.stamp;
        return load(main.dataset.dist, distBox).then((d) => { distOk = d.dataset.ok === 'true'; });
      })
      .catch((e) => {
        // serve itself is away (stopped, network): said on the page, tried again.
        liveBox.dataset.error = String(e);
        let note = document.getElementById('fleet-unreachable');
        if (!note) {
          note = document.createElement('p');
          note.id = 'fleet-unreachable';
          note.className = 'problem';
          liveBox.prepend(note);
        }
        note.textContent = 'road_runner serve does not answer (' + String(e) + '); trying again.';
      })
      .finally(() => setTimeout(tick, every));
  }
  setTimeout(tick, every);
})();

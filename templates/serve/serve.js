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

  // A click on a tested cell lists the steps of its sub-run.
  shmooBox.addEventListener('click', (event) => {
    const cell = event.target instanceof Element ? event.target.closest('[data-subrun]') : null;
    if (!cell) return;
    event.preventDefault();
    location.href = '/runs/' + encodeURIComponent(main.dataset.run) + '?subrun=' + encodeURIComponent(cell.dataset.subrun) + '#steps';
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

/* The Arbiter dashboard: plain JavaScript over the admin API, no build step. See docs/ui.md. */
(function () {
  'use strict';

  var TOKEN_KEY = 'arbiter.adminToken';
  var POLL_MS = 3000;
  var C = window.ArbiterCharts;
  var page = document.body.getAttribute('data-page');
  var timer = null;
  var signedIn = false;

  // ---- small DOM helpers (text only: nothing from the server is ever parsed as HTML) ----

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') {
          node.textContent = attrs[k];
        } else if (k === 'className') {
          node.className = attrs[k];
        } else if (attrs[k] !== null && attrs[k] !== undefined) {
          node.setAttribute(k, attrs[k]);
        }
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) {
        continue;
      }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
    return node;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function pct(v) {
    return v === null || v === undefined || isNaN(v) ? '–' : (100 * v).toFixed(1) + '%';
  }

  function num(v, digits) {
    return v === null || v === undefined || isNaN(v) ? '–' : Number(v).toFixed(digits === undefined ? 3 : digits);
  }

  function param(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  // ---- the admin API, with the token from sessionStorage ----

  function ApiError(status, body) {
    this.status = status;
    this.body = body || {};
    this.message = (body && body.error) || ('HTTP ' + status);
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function api(path, options) {
    options = options || {};
    var headers = {};
    if (token()) {
      headers.Authorization = 'Bearer ' + token();
    }
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    return fetch(path, {method: options.method || 'GET', headers: headers, body: options.body, cache: 'no-store',
      credentials: 'same-origin'})
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch (e) {
            body = {error: text};
          }
          if (response.status === 401) {
            signOut(token() ? 'Wrong token: the server refused it (it is not the ADMIN_TOKEN the server was started '
              + 'with).' : null);
            throw new ApiError(401, body);
          }
          if (response.status === 403 && body && /admin API is disabled/.test(body.error || '')) {
            adminOff(body.error);
            throw new ApiError(403, body);
          }
          if (!response.ok) {
            throw new ApiError(response.status, body);
          }
          return body;
        });
      }, function (error) {
        status('The server cannot be reached (' + error.message + '); retrying.', 'error');
        throw error;
      });
  }

  function status(message, kind) {
    var box = clear($('status'));
    if (message) {
      box.appendChild(el('div', {className: 'banner ' + (kind || 'info'), text: message}));
    }
  }

  function alertMessage(message) {
    var box = clear($('alerts'));
    if (message) {
      box.appendChild(el('div', {className: 'banner error', text: message}));
    }
  }

  function adminOff(message) {
    stopPolling();
    $('content').hidden = true;
    $('signin').hidden = true;
    var box = clear($('status'));
    box.appendChild(el('div', {className: 'banner warn', id: 'admin-off'},
      el('strong', {text: 'The admin API is off. '}),
      'Start the server with an admin token to use the dashboard: ',
      el('code', {text: 'ADMIN_TOKEN=<a long secret> java -jar server/target/server.jar'}),
      ' (or set "adminToken" in config/server.json). Server said: ' + message));
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    signedIn = false;
    stopPolling();
    $('content').hidden = true;
    $('signin').hidden = false;
    var error = $('signin-error');
    error.hidden = !message;
    error.textContent = message || '';
    renderSession();
    $('token').focus();
  }

  function renderSession() {
    var session = clear($('session'));
    if (signedIn) {
      var out = el('button', {type: 'button', className: 'secondary', id: 'signout', text: 'Sign out'});
      out.addEventListener('click', function () { signOut(null); });
      session.appendChild(out);
    }
  }

  function startPolling(refresh) {
    stopPolling();
    var run = function () {
      Promise.all([readiness(), refresh()]).catch(function (e) {
        if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) {
          status('Could not refresh: ' + (e.message || e), 'error');
        }
      }).then(function () {
        if (signedIn) {
          timer = setTimeout(run, POLL_MS);
        }
      });
    };
    run();
  }

  function stopPolling() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  }

  /** /ready is public: Postgres away is shown as degraded (the server keeps serving from memory and its journal). */
  function readiness() {
    return fetch('/ready', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (ready) {
      if (ready.degraded) {
        var lag = ready.outcomePipeline ? Math.round(ready.outcomePipeline.lagMillis / 1000) : 0;
        status('Degraded: Postgres is unreachable. Decisions and rewards are still served; outcomes wait in the '
          + 'journal (' + (ready.outcomePipeline ? ready.outcomePipeline.journalEvents : '?') + ' events, ' + lag
          + ' s behind). Definition changes cannot be saved until it is back.', 'warn');
        document.body.setAttribute('data-degraded', 'true');
      } else {
        status(null);
        document.body.removeAttribute('data-degraded');
      }
    }, function () {
      status('The server cannot be reached; retrying.', 'error');
    });
  }

  function signIn(refresh) {
    $('signin').addEventListener('submit', function (event) {
      event.preventDefault();
      var value = $('token').value.trim();
      if (!value) {
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, value);
      $('token').value = '';
      begin(refresh);
    });
    begin(refresh); // even without a token: an admin API that is off says so before anyone types one
  }

  /** Checks the token with one admin call, then shows the page and polls. */
  function begin(refresh) {
    api('/v1/experiments').then(function () {
      signedIn = true;
      $('signin').hidden = true;
      $('signin-error').hidden = true;
      $('content').hidden = false;
      renderSession();
      startPolling(refresh);
    }, function (e) {
      if (e instanceof ApiError && e.status !== 401 && e.status !== 403) {
        alertMessage('The server answered ' + e.status + ': ' + e.message);
      }
    });
  }

  function markNav() {
    var links = document.querySelectorAll('nav a[data-nav]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute('data-nav') === page) {
        links[i].setAttribute('aria-current', 'page');
      }
    }
  }

  // ---- pause and resume ----

  function toggleButton(experiment, paused, after) {
    var verb = paused ? 'Resume' : 'Pause';
    var button = el('button', {type: 'button', className: paused ? '' : 'secondary', text: verb,
      'aria-label': verb + ' ' + experiment, 'data-action': verb.toLowerCase(), 'data-experiment': experiment});
    button.addEventListener('click', function () {
      button.disabled = true;
      api('/v1/experiments/' + encodeURIComponent(experiment) + '/' + verb.toLowerCase(), {method: 'POST'})
        .then(function () {
          alertMessage(null);
          return after();
        }, function (e) {
          alertMessage('Could not ' + verb.toLowerCase() + ' ' + experiment + ': ' + e.message);
          button.disabled = false;
        }).then(function () {
          var again = document.querySelector('[data-experiment="' + CSS.escape(experiment) + '"]');
          if (again) {
            again.focus();
          }
        });
    });
    return button;
  }

  // ---- experiments list ----

  function recentDecisions(history, seconds) {
    var points = Math.max(1, Math.round(seconds * 1000 / history.intervalMillis));
    var total = 0;
    Object.keys(history.decisions || {}).forEach(function (v) {
      var series = history.decisions[v];
      for (var i = Math.max(0, series.length - points); i < series.length; i++) {
        total += series[i];
      }
    });
    return total;
  }

  function leader(stats) {
    var best = null;
    (stats.variantStats || []).forEach(function (v) {
      if (v.active && (best === null || v.probabilityBest > best.probabilityBest)) {
        best = v;
      }
    });
    return best;
  }

  function liftText(lift) {
    if (!lift || !lift.relative) {
      return '–';
    }
    var ci = lift.relative.credibleInterval95 || [];
    return pct(lift.relative.estimate) + ' (' + pct(ci[0]) + ' to ' + pct(ci[1]) + ')';
  }

  function refreshList() {
    return api('/v1/experiments').then(function (list) {
      var ids = list.experiments.map(function (e) { return e.id; });
      return Promise.all(ids.map(function (id) {
        var path = '/v1/experiments/' + encodeURIComponent(id);
        return Promise.all([api(path), api(path + '/history')]);
      })).then(function (rows) {
        var body = clear(document.querySelector('#experiments tbody'));
        rows.forEach(function (row) {
          var stats = row[0];
          var history = row[1];
          var paused = stats.status === 'paused';
          var best = leader(stats);
          body.appendChild(el('tr', {'data-id': stats.id},
            el('td', null, el('a', {href: 'experiment.html?id=' + encodeURIComponent(stats.id), text: stats.id})),
            el('td', null, el('span', {className: paused ? 'status-paused' : 'status-active',
              text: paused ? 'paused' : 'active', 'data-status': stats.status})),
            el('td', {text: stats.variants.join(', ')}),
            el('td', {className: 'num', text: String(recentDecisions(history, 300))}),
            el('td', {text: best ? best.variant + ' (' + pct(best.probabilityBest) + ')' : '–'}),
            el('td', {text: liftText(stats.lift)}),
            el('td', null, toggleButton(stats.id, paused, refreshList))));
        });
      });
    });
  }

  // ---- one experiment ----

  var experimentId = param('id');
  var definitionLoaded = false;

  function seconds(ts) {
    return ts.map(function (t) { return t / 1000; });
  }

  function refreshExperiment() {
    var path = '/v1/experiments/' + encodeURIComponent(experimentId);
    var range = $('range').value;
    var evaluations = api(path + '/evaluations').then(function (answer) { return answer.evaluations; },
      function () { return null; }); // jobs live in one node's memory: none, or an older server, hides the section
    return Promise.all([api(path), api(path + '/history?range=' + range), evaluations]).then(function (both) {
      var stats = both[0];
      var history = both[1];
      if (!stats.evaluations && both[2] && both[2].length) {
        stats.evaluations = evaluationRows(both[2]);
      }
      document.title = stats.id + ' · Arbiter';
      $('title').textContent = 'Experiment ' + stats.id;
      var paused = stats.status === 'paused';
      var state = clear($('state'));
      state.appendChild(el('span', {className: paused ? 'status-paused' : 'status-active',
        text: paused ? 'paused' : 'active', 'data-status': stats.status}));
      state.appendChild(document.createTextNode(' · ' + stats.rewardModel + ' rewards · default ' + stats['default']));
      var toggle = toggleButton(stats.id, paused, refreshExperiment);
      toggle.id = 'toggle';
      $('toggle').replaceWith(toggle);
      renderVariants(stats);
      renderHistory(history);
      renderDensities(stats);
      renderOptional(stats);
      if (!definitionLoaded) {
        definitionLoaded = true;
        // the definition as stored (the list's form): the stats replace some fields with their status
        return api('/v1/experiments').then(function (list) {
          var stored = list.experiments.filter(function (e) { return e.id === stats.id; })[0];
          var definition = JSON.parse(JSON.stringify(stored || {}));
          delete definition.id;
          delete definition.arms; // the server's variant-to-arm map, not part of a definition
          delete definition.retired; // variants it once had: kept by the server, not part of a definition
          $('definition').value = JSON.stringify(definition, null, 2);
        });
      }
      return null;
    }, function (e) {
      if (e instanceof ApiError && e.status === 404) {
        alertMessage('No experiment "' + experimentId + '": ' + e.message);
      }
      throw e;
    });
  }

  function renderVariants(stats) {
    var body = clear(document.querySelector('#variants tbody'));
    var lo = 1;
    var hi = 0;
    stats.variantStats.forEach(function (v) {
      lo = Math.min(lo, v.credibleInterval95[0]);
      hi = Math.max(hi, v.credibleInterval95[1]);
    });
    if (stats.rewardModel !== 'bernoulli') {
      lo = Math.min(lo, 0);
    } else {
      lo = 0;
      hi = Math.max(hi, 0.05);
    }
    var span = hi > lo ? hi - lo : 1;
    stats.variantStats.forEach(function (v) {
      var bar = el('div', {className: 'interval', role: 'img', 'aria-label': 'from ' + num(v.credibleInterval95[0])
        + ' to ' + num(v.credibleInterval95[1]) + ', mean ' + num(v.posteriorMean)});
      var range = el('div', {className: 'range'});
      range.style.left = (100 * (v.credibleInterval95[0] - lo) / span) + '%';
      range.style.width = Math.max(0.5, 100 * (v.credibleInterval95[1] - v.credibleInterval95[0]) / span) + '%';
      var mean = el('div', {className: 'mean'});
      mean.style.left = (100 * (v.posteriorMean - lo) / span) + '%';
      bar.appendChild(range);
      bar.appendChild(mean);
      body.appendChild(el('tr', null,
        el('th', {scope: 'row', text: v.variant + (v.active ? '' : ' (retired)') + (v.suspended ? ' (suspended)' : '')}),
        el('td', {className: 'num', text: String(v.decisions)}),
        el('td', {className: 'num', text: String(v.rewards)}),
        el('td', {className: 'num', text: num(v.posteriorMean)}),
        el('td', null, el('span', {text: num(v.credibleInterval95[0]) + ' – ' + num(v.credibleInterval95[1])}), bar),
        el('td', {className: 'num', text: pct(v.probabilityBest)}),
        el('td', {className: 'num', text: pct(v.recentTrafficShare)})));
    });
  }

  function renderHistory(history) {
    var x = seconds(history.t);
    var variants = history.variants;
    var empty = 'No points yet: the server samples every ' + (history.intervalMillis / 1000) + ' s.';
    // stacked area: cumulative shares, drawn from the top down so each fill covers the ones above it
    var cumulative = [];
    var running = x.map(function () { return 0; });
    variants.forEach(function (v, k) {
      running = running.map(function (sum, i) {
        var s = history.share[v][i];
        return s === null || sum === null ? null : sum + s;
      });
      cumulative.push({label: v, values: running.slice(), display: history.share[v], color: k});
    });
    C.draw('chart-share', {title: 'Traffic share per variant (stacked)', x: x, yRange: [0, 1], fill: true,
      series: cumulative.slice().reverse(), emptyText: empty,
      summary: variants.map(function (v) {
        var s = history.share[v];
        return v + ' ' + pct(s.length ? s[s.length - 1] : null);
      }).join(', ')});
    C.draw('chart-best', {title: 'Probability of being best', x: x, yRange: [0, 1], emptyText: empty,
      series: variants.map(function (v) { return {label: v, values: history.probabilityBest[v]}; }),
      summary: 'latest ' + variants.map(function (v) {
        var s = history.probabilityBest[v];
        return v + ' ' + pct(s.length ? s[s.length - 1] : null);
      }).join(', ')});
    C.draw('chart-rate', {title: 'Reward rate per interval', x: x, emptyText: 'No rewards in this range yet.',
      series: variants.map(function (v) { return {label: v, values: history.rewardRate[v]}; }),
      summary: 'mean reward of the rewards received in each interval'});
  }

  function renderDensities(stats) {
    var variants = stats.variantStats.filter(function (v) { return v.active; });
    var lo = Infinity;
    var hi = -Infinity;
    variants.forEach(function (v) {
      var ci = v.credibleInterval95;
      var width = Math.max(ci[1] - ci[0], 1e-3);
      lo = Math.min(lo, ci[0] - width);
      hi = Math.max(hi, ci[1] + width);
    });
    if (stats.rewardModel === 'bernoulli') {
      lo = Math.max(0.0005, lo);
      hi = Math.min(0.9995, hi);
    }
    var xs = [];
    for (var i = 0; i <= 120; i++) {
      xs.push(lo + (hi - lo) * i / 120);
    }
    var prior = stats.prior || {};
    var series = variants.map(function (v) {
      var values;
      if (stats.rewardModel === 'bernoulli' && v.successes !== undefined && stats.halfLife === 0) {
        var a = (prior.alpha || 1) + v.successes;
        var b = (prior.beta || 1) + v.rewards - v.successes;
        values = xs.map(function (x) { return C.beta(x, a, b); });
      } else { // normal approximation from the credible interval
        var sd = Math.max((v.credibleInterval95[1] - v.credibleInterval95[0]) / 3.92, 1e-6);
        values = xs.map(function (x) { return C.normal(x, v.posteriorMean, sd); });
      }
      return {label: v.variant, values: values};
    });
    C.draw('chart-density', {title: 'Posterior densities of the reward rate', x: xs, time: false,
      xLabel: 'reward rate', series: series, digits: 2,
      summary: variants.map(function (v) { return v.variant + ' mean ' + num(v.posteriorMean); }).join(', ')});
  }

  /** Sections of features that may not be built on this server: shown only when the stats carry them. */
  function renderOptional(stats) {
    var lift = stats.lift;
    $('lift').hidden = !lift;
    if (lift) {
      var box = clear($('lift-body'));
      box.appendChild(el('dl', {className: 'facts'},
        el('dt', {text: 'Relative lift'}), el('dd', {text: liftText(lift)}),
        el('dt', {text: 'Absolute lift'}), el('dd', {text: lift.absolute ? num(lift.absolute.estimate) + ' ('
          + num((lift.absolute.credibleInterval95 || [])[0]) + ' to ' + num((lift.absolute.credibleInterval95
          || [])[1]) + ')' : '–'}),
        el('dt', {text: 'Probability the lift is positive'}), el('dd', {text: pct(lift.probabilityPositive)}),
        el('dt', {text: 'Optimised group'}), el('dd', {text: groupText(lift.treatment)}),
        el('dt', {text: 'Holdout group'}), el('dd', {text: groupText(lift.holdout)})));
    }
    var guardrails = stats.guardrails || [];
    var suspended = (stats.variantStats || []).filter(function (v) { return v.suspended; });
    var events = stats.suspensions || [];
    $('guardrails').hidden = guardrails.length === 0 && suspended.length === 0 && events.length === 0;
    if (!$('guardrails').hidden) {
      var g = clear($('guardrails-body'));
      guardrails.forEach(function (rule) {
        g.appendChild(el('h3', {text: 'Metric ' + rule.metric}));
        g.appendChild(el('p', {text: rule.direction + ' is better; a variant more than ' + pct(rule.maxRelativeHarm)
          + ' worse than ' + (rule.control || 'the control') + ' is suspended (confidence ' + pct(rule.confidence)
          + ').'}));
        if (Array.isArray(rule.variants) && rule.variants.length) {
          g.appendChild(guardrailTable(rule.variants));
        }
      });
      suspended.forEach(function (v) {
        var resume = el('button', {type: 'button', className: 'secondary', text: 'Resume ' + v.variant,
          'data-resume-variant': v.variant});
        resume.addEventListener('click', function () {
          resume.disabled = true;
          api('/v1/experiments/' + encodeURIComponent(stats.id) + '/variants/' + encodeURIComponent(v.variant)
            + '/resume', {method: 'POST'}).then(refreshExperiment, function (e) {
            alertMessage('Could not resume ' + v.variant + ': ' + e.message);
            resume.disabled = false;
          });
        });
        g.appendChild(el('p', {className: 'field-error', text: 'Variant ' + v.variant + ' is suspended by a '
          + 'guardrail. '}, resume));
      });
      if (events.length) {
        g.appendChild(genericTable(events));
      }
    }
    var segments = stats.segments;
    var segmentRows = Array.isArray(segments) ? segments : segments && (segments.busiest || segments.top);
    $('segments').hidden = !segmentRows || segmentRows.length === 0;
    if (!$('segments').hidden) {
      var s = clear($('segments-body'));
      if (segments && !Array.isArray(segments)) {
        s.appendChild(el('p', {className: 'muted', id: 'segments-summary', text: (segments.count !== undefined
          ? segments.count + ' segments; ' : '') + (segments.parentFallbacks !== undefined
          ? segments.parentFallbacks + ' decisions served by a parent segment (no room for their own). ' : '')
          + 'Each segment\'s own data, without the back-off prior.'}));
      }
      s.appendChild(segmentRows[0] && segmentRows[0].variantStats ? segmentTable(segmentRows)
        : genericTable(segmentRows));
    }
    var evaluations = stats.evaluations || (stats.challenger ? [stats.challenger] : null);
    $('evaluations').hidden = !evaluations || evaluations.length === 0;
    if (!$('evaluations').hidden) {
      clear($('evaluations-body')).appendChild(genericTable(evaluations));
    }
  }

  /** Evaluation jobs as table rows: one per job and candidate policy, the estimates with their 95% intervals. */
  function evaluationRows(jobs) {
    var rows = [];
    jobs.forEach(function (job) {
      var base = {job: job.id, status: job.status, submitted: job.submitted};
      if (!Array.isArray(job.policies) || job.policies.length === 0) {
        base.detail = job.error || (job.rowsRead !== undefined ? job.rowsRead + ' rows read' : '');
        rows.push(base);
        return;
      }
      job.policies.forEach(function (p) {
        var row = {job: job.id, status: job.status, submitted: job.submitted, policy: p.name || p.type};
        Object.keys(p.estimates || {}).forEach(function (name) {
          var e = p.estimates[name];
          var ci = e.confidenceInterval95 || [];
          row[name] = num(e.value, 4) + (ci.length === 2 ? ' [' + num(ci[0], 4) + ', ' + num(ci[1], 4) + ']' : '');
        });
        row['effective sample size'] = p.effectiveSampleSize;
        row.warnings = (p.warnings || []).map(function (w) { return w.message || w.code || w; }).join('; ');
        rows.push(row);
      });
    });
    return rows;
  }

  /** Busiest segments: one row each, one column per variant with its rate, interval and probability best. */
  function segmentTable(rows) {
    var variants = [];
    rows.forEach(function (r) {
      r.variantStats.forEach(function (v) {
        if (variants.indexOf(v.variant) < 0) {
          variants.push(v.variant);
        }
      });
    });
    var head = el('tr', null, el('th', {scope: 'col', text: 'Segment'}),
      el('th', {scope: 'col', className: 'num', text: 'Decisions'}),
      el('th', {scope: 'col', className: 'num', text: 'Rewards'}));
    variants.forEach(function (v) {
      head.appendChild(el('th', {scope: 'col', text: v + ': rate (95% interval), P(best)'}));
    });
    var body = el('tbody');
    rows.forEach(function (r) {
      var best = null;
      r.variantStats.forEach(function (v) {
        if (best === null || v.probabilityBest > best.probabilityBest) {
          best = v;
        }
      });
      var tr = el('tr', {'data-segment': r.key},
        el('th', {scope: 'row', text: (r.attributes && r.attributes.length ? r.attributes.join(' × ') : 'all')
          + ' · ' + r.key}),
        el('td', {className: 'num', text: String(r.decisions)}),
        el('td', {className: 'num', text: String(r.rewards)}));
      variants.forEach(function (name) {
        var v = r.variantStats.filter(function (x) { return x.variant === name; })[0];
        tr.appendChild(el('td', {className: v && v === best ? 'status-active' : '', text: v ? num(v.posteriorMean)
          + ' (' + num(v.credibleInterval95[0]) + '–' + num(v.credibleInterval95[1]) + '), ' + pct(v.probabilityBest)
          + ' · ' + v.decisions + ' decisions' : '–'}));
      });
      body.appendChild(tr);
    });
    return el('table', {id: 'segments-table'}, el('thead', null, head), body);
  }

  /** One guardrail's evidence per variant: its rate against the control's, with their confidence sequences. */
  function guardrailTable(rows) {
    var head = el('tr');
    ['Variant', 'Decisions', 'Events', 'Rate (confidence sequence)', 'Control rate (confidence sequence)',
      'Harm lower bound', 'State'].forEach(function (h) { head.appendChild(el('th', {scope: 'col', text: h})); });
    var body = el('tbody');
    rows.forEach(function (r) {
      var v = r.variant || {};
      var c = r.controlGroup || {};
      var seq = function (g) {
        var cs = g.confidenceSequence || [];
        return num(g.rate) + ' (' + num(cs[0]) + '–' + num(cs[1]) + ')';
      };
      body.appendChild(el('tr', null, el('th', {scope: 'row', text: r.name}),
        el('td', {className: 'num', text: String(v.decisions)}), el('td', {className: 'num', text: String(v.events)}),
        el('td', {text: seq(v)}), el('td', {text: seq(c)}), el('td', {className: 'num', text: num(r.harmLowerBound)}),
        el('td', {className: r.suspended ? 'status-paused' : 'status-active',
          text: r.suspended ? 'suspended' : 'serving'})));
    });
    return el('table', {className: 'guardrail'}, el('thead', null, head), body);
  }

  function groupText(group) {
    if (!group) {
      return '–';
    }
    return group.decisions + ' decisions, ' + group.rewards + ' rewards, mean ' + num(group.mean);
  }

  /** A table of rows of any shape: one column per key, nested values as compact JSON. */
  function genericTable(rows) {
    var keys = [];
    rows.forEach(function (r) {
      Object.keys(r).forEach(function (k) {
        if (keys.indexOf(k) < 0) {
          keys.push(k);
        }
      });
    });
    var head = el('tr');
    keys.forEach(function (k) { head.appendChild(el('th', {scope: 'col', text: k})); });
    var body = el('tbody');
    rows.slice(0, 50).forEach(function (r) {
      var tr = el('tr');
      keys.forEach(function (k) {
        var v = r[k];
        tr.appendChild(el('td', {text: v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v)
          : typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v)}));
      });
      body.appendChild(tr);
    });
    return el('table', null, el('thead', null, head), body);
  }

  function definitionMessage(kind, text, field) {
    var box = clear($('definition-message'));
    if (!text) {
      return;
    }
    box.appendChild(el('p', {className: kind === 'error' ? 'field-error' : 'ok-text', id: 'definition-result',
      'data-field': field || '', text: (field ? 'Field "' + field + '": ' : '') + text}));
    $('definition').setAttribute('aria-invalid', kind === 'error' ? 'true' : 'false');
  }

  function readDefinition() {
    try {
      var parsed = JSON.parse($('definition').value);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('the definition must be a JSON object');
      }
      return parsed;
    } catch (e) {
      definitionMessage('error', 'not valid JSON: ' + e.message, null);
      return null;
    }
  }

  function validate() {
    var definition = readDefinition();
    if (!definition) {
      return Promise.resolve(null);
    }
    return api('/v1/experiments/' + encodeURIComponent(experimentId) + '/validate',
      {method: 'POST', body: JSON.stringify(definition)}).then(function () {
      definitionMessage('ok', 'Valid.', null);
      return definition;
    }, function (e) {
      definitionMessage('error', e.message, e.body && e.body.field);
      $('definition').focus();
      return null;
    });
  }

  function setUpEditor() {
    $('validate').addEventListener('click', validate);
    $('definition-form').addEventListener('submit', function (event) {
      event.preventDefault();
      validate().then(function (definition) {
        if (!definition) {
          return null;
        }
        return api('/v1/experiments/' + encodeURIComponent(experimentId), {method: 'PUT',
          body: JSON.stringify(definition)}).then(function () {
          definitionMessage('ok', 'Saved.', null);
          definitionLoaded = false;
          return refreshExperiment();
        }, function (e) {
          definitionMessage('error', e.message, e.body && e.body.field);
        });
      });
    });
    $('range').addEventListener('change', function () { refreshExperiment(); });
  }

  // ---- campaigns ----

  function refreshCampaigns() {
    return api('/v1/campaigns').then(function (list) {
      return Promise.all(list.campaigns.map(function (c) {
        return api('/v1/campaigns/' + encodeURIComponent(c.id) + '/history').then(function (h) {
          return {campaign: c, history: h};
        });
      }));
    }).then(function (rows) {
      var box = $('campaigns');
      rows.forEach(function (row) {
        renderCampaign(box, row.campaign, row.history);
      });
      return api('/v1/bidder/win-rate?contexts=4');
    }).then(renderCurves);
  }

  function renderCampaign(box, campaign, h) {
    var id = 'campaign-' + campaign.id.replace(/[^A-Za-z0-9_-]/g, '_');
    var section = $(id);
    if (!section) {
      section = el('section', {id: id, className: 'panel', 'aria-labelledby': id + '-h'},
        el('h2', {id: id + '-h', text: campaign.id}),
        el('div', {className: 'facts-box'}),
        el('div', {className: 'grid'},
          el('div', {className: 'chart', id: id + '-spend'}),
          el('div', {className: 'chart', id: id + '-bids'}),
          el('div', {className: 'chart', id: id + '-price'})));
      box.appendChild(section);
    }
    var s = campaign.state || {};
    var winRate = h.bids > 0 ? h.wins / h.bids : null;
    var facts = clear(section.querySelector('.facts-box'));
    facts.appendChild(el('dl', {className: 'facts'},
      el('dt', {text: 'Status'}), el('dd', {text: campaign.status || 'active'}),
      el('dt', {text: 'Spent today'}), el('dd', {text: num(h.spentToday, 2) + ' of ' + num(h.dailyBudget, 2) + ' '
        + h.currency}),
      el('dt', {text: 'Remaining today'}), el('dd', {text: num(h.remainingToday, 2) + ' ' + h.currency}),
      el('dt', {text: 'Remaining budget'}), el('dd', {text: h.totalBudget > 0 ? num(h.remainingTotal, 2) + ' of '
        + num(h.totalBudget, 2) + ' ' + h.currency : 'no total limit'}),
      el('dt', {text: 'Bids, wins, win rate'}), el('dd', {text: h.bids + ', ' + h.wins + ', ' + pct(winRate)}),
      el('dt', {text: 'Pacing modifier'}), el('dd', {text: num(s.pacingModifier, 3)})));
    var x = seconds(h.t);
    C.draw(id + '-spend', {title: 'Spend today against the pacing schedule (' + h.currency + ')', x: x, digits: 2,
      series: [{label: 'spent', values: h.dailySpent || []}, {label: 'schedule', values: h.schedule || []}],
      summary: 'spent ' + num(h.spentToday, 2) + ' of ' + num(h.dailyBudget, 2)});
    C.draw(id + '-bids', {title: 'Bids and wins per interval', x: x, digits: 0,
      series: [{label: 'bids', values: h.bidsPerInterval || []}, {label: 'wins', values: h.winsPerInterval || []}],
      summary: h.bids + ' bids, ' + h.wins + ' wins'});
    var hist = h.clearingPrices || {edges: [], wins: []};
    var mids = [];
    for (var i = 0; i + 1 < hist.edges.length; i++) {
      mids.push((hist.edges[i] + hist.edges[i + 1]) / 2);
    }
    C.draw(id + '-price', {title: 'Clearing price distribution (CPM, by wins)', x: mids, time: false, bars: true,
      xLabel: 'clearing price CPM', series: [{label: 'wins', values: hist.wins}], digits: 0,
      emptyText: 'No wins in this range yet.', summary: 'wins per clearing-price bin'});
  }

  function renderCurves(report) {
    $('curves-note').textContent = report.trained
      ? 'Probability of winning at each bid price (CPM), learned from win and loss notices: bidder-wide, then the '
        + 'busiest contexts (publisher and format). ' + report.contextsTracked + ' contexts tracked.'
      : 'Not trained yet: the bidder shades by its fixed factor until enough win and loss notices arrive.';
    var curves = (report.curves || []).filter(function (c) { return c.winRate; });
    C.draw('chart-curves', {title: 'Win rate by bid price', x: report.prices || [], time: false, logX: true,
      xLabel: 'bid CPM', yRange: [0, 1], emptyText: 'No curve yet.',
      series: curves.map(function (c) {
        var detail = [];
        if (c.level !== undefined && c.level !== null) {
          detail.push('level ' + c.level);
        }
        if (c.device !== undefined && c.device !== null) {
          detail.push('device ' + c.device);
        }
        if (c.hour !== undefined && c.hour !== null) {
          detail.push('hour ' + c.hour);
        }
        detail.push(c.notices + ' notices');
        return {label: c.context === 'bidder' ? 'bidder-wide (' + c.notices + ' notices)'
          : 'context ' + c.context.slice(0, 6) + ' (' + detail.join(', ') + ')', values: c.winRate};
      }), summary: curves.length + ' curves'});
  }

  // ---- start ----

  markNav();
  if (page === 'experiments') {
    signIn(refreshList);
  } else if (page === 'experiment') {
    if (!experimentId) {
      alertMessage('No experiment named: open this page from the experiments list.');
    } else {
      setUpEditor();
      signIn(refreshExperiment);
    }
  } else if (page === 'campaigns') {
    signIn(refreshCampaigns);
  }
}());

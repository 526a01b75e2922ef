/*
 * Arbiter browser client: ask the server which variant to show, report what happened.
 * No dependencies. Served by the server at /sdk/arbiter.js; documented in docs/browser.md.
 *
 *   <script src="https://arbiter.example/sdk/arbiter.js"></script>
 *   arbiter.decide({experiment: 'hero', unit: visitorId, fallback: 'A'}).then(function (d) { show(d.variant); });
 *   arbiter.reward(d.decisionId, 1);            // sent with navigator.sendBeacon when the page is left
 *   arbiter.reward(d.decisionId, 1, {now: true, metric: 'click'});   // sent at once
 *
 * decide() never rejects and never waits longer than its timeout: on a timeout, a network error or an error answer it
 * resolves with the fallback variant ({fallback: true, decisionId: null}), so a slow or absent server never blocks a
 * page. reward() of a fallback decision (no decisionId) does nothing.
 */
(function (global) {
  'use strict';

  var DEFAULT_TIMEOUT_MS = 250;

  function scriptOrigin() {
    var script = global.document && global.document.currentScript;
    if (script && script.src) {
      try {
        return new URL(script.src).origin;
      } catch (e) {
        return '';
      }
    }
    return '';
  }

  function create(options) {
    options = options || {};
    var baseUrl = String(options.baseUrl !== undefined ? options.baseUrl : scriptOrigin()).replace(/\/+$/, '');
    var timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
    var queue = [];

    function fallbackOf(request, reason) {
      var variant = request.fallback !== undefined ? request.fallback : null;
      return {experiment: request.experiment, variant: variant, variants: variant === null ? [] : [variant],
        decisionId: null, propensity: null, fallback: true, reason: reason};
    }

    /**
     * request: {experiment, unit, context, features, eligible, exclude, count, fallback, timeoutMs}
     * Resolves with the server's decision ({decisionId, experiment, variant, variants, propensity, ...}) or with the
     * fallback variant.
     */
    function decide(request) {
      request = request || {};
      var body = {};
      ['experiment', 'unit', 'context', 'features', 'eligible', 'exclude', 'count'].forEach(function (k) {
        if (request[k] !== undefined) {
          body[k] = request[k];
        }
      });
      var wait = request.timeoutMs > 0 ? request.timeoutMs : timeoutMs;
      return new Promise(function (resolve) {
        var done = false;
        var controller = typeof AbortController === 'function' ? new AbortController() : null;
        var timer = setTimeout(function () {
          finish(fallbackOf(request, 'timeout after ' + wait + ' ms'));
          if (controller) {
            controller.abort();
          }
        }, wait);

        function finish(result) {
          if (!done) {
            done = true;
            clearTimeout(timer);
            resolve(result);
          }
        }

        try {
          fetch(baseUrl + '/v1/decide', {
            method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body),
            credentials: 'omit', mode: 'cors', signal: controller ? controller.signal : undefined
          }).then(function (response) {
            return response.json().then(function (json) {
              if (!response.ok) {
                finish(fallbackOf(request, 'HTTP ' + response.status + ': ' + (json && json.error)));
                return;
              }
              json.fallback = false;
              if (!json.variants) {
                json.variants = [json.variant];
              }
              finish(json);
            });
          }).catch(function (error) {
            finish(fallbackOf(request, String(error && error.message || error)));
          });
        } catch (error) {
          finish(fallbackOf(request, String(error && error.message || error)));
        }
      });
    }

    function beacon(path, payload) {
      var text = JSON.stringify(payload);
      // a string goes as text/plain: no preflight, allowed while the page unloads; the server reads it as JSON
      if (global.navigator && typeof global.navigator.sendBeacon === 'function'
          && global.navigator.sendBeacon(baseUrl + path, text)) {
        return true;
      }
      try {
        fetch(baseUrl + path, {method: 'POST', headers: {'Content-Type': 'text/plain;charset=UTF-8'}, body: text,
          keepalive: true, credentials: 'omit', mode: 'cors'}).catch(function () {});
        return true;
      } catch (e) {
        return false;
      }
    }

    /** Sends every queued reward now (called by itself when the page is hidden or left). */
    function flush() {
      while (queue.length > 0) {
        var batch = queue.splice(0, 100);
        if (batch.length === 1) {
          beacon('/v1/reward', batch[0]);
        } else {
          beacon('/v1/reward/batch', {rewards: batch});
        }
      }
    }

    /**
     * Reports the outcome of a decision: value is the reward (0 or 1 for a bernoulli experiment, any number for a
     * gaussian one); opts: {metric, now}. Queued and sent when the page is hidden or left, or at once with now: true.
     * Returns whether it was taken (false for a fallback decision, which has nothing to reward).
     */
    function reward(decisionId, value, opts) {
      if (!decisionId || typeof value !== 'number' || !isFinite(value)) {
        return false;
      }
      var item = {decisionId: decisionId, reward: value};
      if (opts && opts.metric) {
        item.metric = opts.metric;
      }
      queue.push(item);
      if (opts && opts.now) {
        flush();
      }
      return true;
    }

    if (global.addEventListener) {
      global.addEventListener('pagehide', flush);
      if (global.document) {
        global.document.addEventListener('visibilitychange', function () {
          if (global.document.visibilityState === 'hidden') {
            flush();
          }
        });
      }
    }

    return {decide: decide, reward: reward, flush: flush, create: create,
      get baseUrl() { return baseUrl; }, get pending() { return queue.length; }};
  }

  global.arbiter = create();
}(typeof window !== 'undefined' ? window : this));

(function () {
  'use strict';
  var decision = null;
  var box = document.getElementById('hero');
  var status = document.getElementById('demo-status');
  var like = document.getElementById('like');
  var nope = document.getElementById('nope');

  function ask() {
    like.disabled = true;
    nope.disabled = true;
    box.textContent = 'Asking…';
    var experiment = document.getElementById('experiment').value.trim() || 'hero';
    var unit = sessionStorage.getItem('arbiter.demoUnit');
    if (!unit) {
      unit = 'visitor-' + Math.random().toString(36).slice(2, 10);
      sessionStorage.setItem('arbiter.demoUnit', unit);
    }
    window.arbiter.decide({experiment: experiment, unit: unit, fallback: 'A', timeoutMs: 2000}).then(function (d) {
      decision = d;
      box.textContent = 'Variant ' + d.variant;
      box.setAttribute('data-variant', d.variant === null ? '' : d.variant);
      box.setAttribute('data-decision', d.decisionId || '');
      status.textContent = d.fallback ? 'Fallback variant shown (' + d.reason + ').'
        : 'Chosen by the server for ' + unit + ' (propensity ' + d.propensity.toFixed(3) + ').';
      like.disabled = !d.decisionId;
      nope.disabled = !d.decisionId;
    });
  }

  function reward(value) {
    if (decision && window.arbiter.reward(decision.decisionId, value, {now: true})) {
      status.textContent = 'Reward ' + value + ' sent for variant ' + decision.variant + '.';
      status.setAttribute('data-rewarded', String(value));
      like.disabled = true;
      nope.disabled = true;
    }
  }

  document.getElementById('again').addEventListener('click', ask);
  like.addEventListener('click', function () { reward(1); });
  nope.addEventListener('click', function () { reward(0); });
  ask();
}());

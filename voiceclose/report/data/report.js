// Clicking anything with data-seek (a marker, a highlight, a word, a button) plays the recording of
// its section from that moment; clicking the waveform elsewhere plays from where it was clicked.
// html_report.py inlines this file in the page.
(function () {
  function audioOf(el) {
    var section = el.closest('section.report');
    return section ? section.querySelector('audio') : null;
  }
  function seek(audio, t) {
    var at = Math.max(0, t - parseFloat(audio.dataset.offset || '0'));
    var go = function () {
      audio.currentTime = at;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
    };
    if (audio.readyState >= 1) go();
    else audio.addEventListener('loadedmetadata', go, {once: true});
  }
  function activate(e) {
    var target = e.target.closest('[data-seek]');
    var audio = audioOf(e.target);
    if (!audio) return;
    if (target) { seek(audio, parseFloat(target.dataset.seek)); return; }
    var wave = e.target.closest('svg.wave');
    if (wave && e.clientX !== undefined) {
      var box = wave.getBoundingClientRect();
      var share = (e.clientX - box.left) / box.width;
      seek(audio, parseFloat(wave.dataset.offset) + share * parseFloat(wave.dataset.duration));
    }
  }
  document.addEventListener('click', activate);
  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.closest('[data-seek]')) {
      e.preventDefault(); activate(e);
    }
  });
  document.querySelectorAll('section.report').forEach(function (section) {
    var audio = section.querySelector('audio');
    var wave = section.querySelector('svg.wave');
    if (!audio || !wave) return;
    var head = wave.querySelector('.playhead');
    var width = wave.viewBox.baseVal.width;
    audio.addEventListener('timeupdate', function () {
      var x = audio.currentTime / parseFloat(wave.dataset.duration) * width;
      head.setAttribute('x1', x); head.setAttribute('x2', x);
      head.setAttribute('visibility', 'visible');
    });
  });
})();

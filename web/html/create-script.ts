/**
 * The script of the create pages, served at `/assets/create.js` (the CSP allows scripts from this
 * site only, none inline). On the form it asks `/create/cost` for the price whenever an option
 * changes; on a job page it follows the job's Server-Sent Events and shows the place in line,
 * the progress, then the pictures or why it ended. Everything it shows is text the server
 * worded; it builds elements with `textContent` and attributes, never markup. Without it the
 * form posts normally and the job page refreshes itself.
 */
export const CREATE_SCRIPT = `'use strict';
(function () {
  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var node = byId(id); if (node) node.textContent = text || ''; }

  var form = byId('create-form');
  if (form) {
    var timer;
    var latest = 0;
    var refreshCost = function () {
      var data = new FormData(form);
      var params = new URLSearchParams();
      ['template', 'model', 'aspectRatio', 'count'].forEach(function (name) { params.set(name, String(data.get(name) || '')); });
      params.set('hd', data.get('hd') ? 'yes' : '');
      var file = data.get('image');
      params.set('image', (file && file.size > 0) || data.get('inputAsset') ? 'yes' : '');
      var ticket = ++latest;
      fetch(form.getAttribute('data-cost-url') + '?' + params.toString(), { headers: { accept: 'application/json' } })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (ticket !== latest) return;
          setText('create-cost', body.costText || body.error);
          setText('create-balance', body.balanceText || '');
        })
        .catch(function () {});
    };
    form.addEventListener('change', function () { clearTimeout(timer); timer = setTimeout(refreshCost, 150); });
  }

  var job = byId('job');
  var url = job && job.getAttribute('data-events');
  if (!job || !url || typeof EventSource === 'undefined') return;
  var source = new EventSource(url);
  var ended = false;
  var showActions = function (actions) {
    var box = byId('job-actions');
    if (!box) return;
    box.textContent = '';
    (actions || []).forEach(function (action) {
      var link = document.createElement('a');
      link.className = 'button secondary';
      link.href = action.href;
      link.textContent = action.label;
      box.appendChild(link);
      box.appendChild(document.createTextNode(' '));
    });
  };
  var end = function (body) {
    ended = true;
    source.close();
    setText('job-position', '');
    setText('job-progress', '');
    setText('job-balance', body.balanceText);
    setText('job-note', body.noteText);
    showActions(body.actions);
  };
  source.addEventListener('status', function (event) {
    var body = JSON.parse(event.data);
    setText('job-status', body.text);
    setText('job-position', body.positionText);
    setText('job-progress', body.progressText);
  });
  source.addEventListener('done', function (event) {
    var body = JSON.parse(event.data);
    var box = byId('job-images');
    if (box) {
      box.textContent = '';
      body.images.forEach(function (image) {
        var link = document.createElement('a');
        link.href = image.url;
        var img = document.createElement('img');
        img.src = image.url;
        img.alt = image.alt;
        link.appendChild(img);
        box.appendChild(link);
      });
    }
    setText('job-status', body.text);
    end(body);
  });
  source.addEventListener('failed', function (event) {
    var body = JSON.parse(event.data);
    var status = byId('job-status');
    if (status) { status.textContent = body.text; status.setAttribute('role', 'alert'); status.className = 'notice notice-error'; }
    end(body);
  });
  source.onerror = function () {
    // Refused (too many live pages) or gone for good: fall back to reloading the page now and then.
    if (!ended && source.readyState === EventSource.CLOSED) setTimeout(function () { location.reload(); }, 3000);
  };
})();
`;

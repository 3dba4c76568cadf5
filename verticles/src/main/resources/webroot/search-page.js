// The results page (search.html?q=&types=): GET /api/v1/search grouped by type, the matched words
// highlighted, albums and artists linked to the library, a play button on tracks, "More" per page of
// results. Highlights come from the server HTML-escaped with <em> around matches; they are parsed into an
// inert document and rebuilt from text nodes and <em> only, so nothing else can reach the page.
'use strict';
(() => {
  const { get, post, link, el, signedIn } = window.chorusSearch;
  const $ = (id) => document.getElementById(id);
  const TITLES = { tracks: 'Tracks', albums: 'Albums', artists: 'Artists', playlists: 'Playlists', users: 'People' };
  const params = new URLSearchParams(location.search);
  const q = (params.get('q') || '').trim();
  const types = params.get('types');
  let cursor = null;

  function showError(message) {
    $('error').textContent = message || '';
    $('error').hidden = !message;
  }

  function highlighted(html, fallback) {
    const out = el('span', null, 'hl');
    if (!html) { out.textContent = fallback || ''; return out; }
    const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
    doc.body.firstChild.childNodes.forEach((n) => out.append(n.nodeName === 'EM' ? el('em', n.textContent) : document.createTextNode(n.textContent)));
    return out;
  }

  function badge(moderation) {
    return moderation && moderation !== 'approved' ? el('span', moderation, `badge ${moderation}`) : null;
  }

  function anchor(href, child) {
    const a = el('a');
    a.href = href;
    a.append(child);
    return a;
  }

  function duration(ms) {
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }

  async function play(t) {
    try {
      const format = t.status === 'ready' ? 'opus' : 'original';
      const signed = await post(`/api/v1/tracks/${encodeURIComponent(t.id)}/stream-url?format=${format}`, { format });
      $('player').hidden = false;
      $('player-title').textContent = t.title;
      $('player-artist').textContent = t.artist && t.artist.name ? t.artist.name : '';
      // signed in, the page reports the play when the track ends (as the library page): the media element's reads
      // of the file cannot tell the server (anonymous listeners are counted from them, as well as that goes)
      $('audio').src = signedIn() ? `${signed.url}&count_play=false` : signed.url;
      document.body.dataset.playing = t.id;
      try { await $('audio').play(); } catch (e) { /* autoplay may be refused; the controls remain */ }
    } catch (e) {
      showError(e.message);
    }
  }

  function item(type, r) {
    const li = el('li');
    li.dataset.id = r.id;
    if (type === 'tracks') {
      li.append(highlighted(r.highlight, r.title));
      if (r.artist && r.artist.name) {
        li.append(document.createTextNode(' — '), anchor(link('artists', r.artist, r.artist.name), el('span', r.artist.name, 'muted')));
      }
      if (r.album) li.append(el('span', ` · ${r.album}`, 'muted'));
      if (r.duration_ms) li.append(el('span', ` (${duration(r.duration_ms)})`, 'muted'));
      const b = el('button', 'Play');
      b.type = 'button';
      b.dataset.action = 'play';
      b.addEventListener('click', () => play(r));
      li.append(b);
    } else if (type === 'albums') {
      li.append(anchor(link('albums', r), highlighted(r.highlight, r.title)));
      if (r.artist && r.artist.name) li.append(el('span', ` — ${r.artist.name}`, 'muted'));
      if (r.year) li.append(el('span', ` (${r.year})`, 'muted'));
    } else if (type === 'artists') {
      li.append(anchor(link('artists', r), highlighted(r.highlight, r.name)));
    } else if (type === 'playlists') {
      li.append(highlighted(r.highlight, r.name), el('span', ` ${r.track_count || 0} tracks`, 'muted'));
      if (r.public === false) li.append(el('span', 'private', 'badge'));
    } else if (type === 'users') {
      li.append(highlighted(r.highlight, r.display_name), el('span', ` @${r.username}`, 'muted'));
    }
    const bad = badge(r.moderation);
    if (bad) li.append(bad);
    return li;
  }

  function group(type) {
    let section = $(`group-${type}`);
    if (!section) {
      section = el('div', null, 'search-group');
      section.id = `group-${type}`;
      section.dataset.type = type;
      section.append(el('h3', TITLES[type] || type), el('ul', null, type === 'tracks' ? 'tracks' : 'results'));
      $('search-groups').append(section);
    }
    return section;
  }

  async function load() {
    const query = new URLSearchParams({ q, limit: '20' });
    if (types) query.set('types', types);
    if (cursor) query.set('cursor', cursor);
    const r = await get(`/api/v1/search?${query}`);
    let total = 0;
    Object.entries(r.results || {}).forEach(([type, list]) => {
      if (!list.length) return;
      const ul = group(type).querySelector('ul');
      list.forEach((x) => ul.append(item(type, x)));
      total += list.length;
    });
    cursor = r.next_cursor || null;
    let more = $('search-more');
    if (!more) {
      more = el('button', 'More results');
      more.id = 'search-more';
      more.type = 'button';
      more.addEventListener('click', () => load().catch((e) => showError(e.message)));
      $('search-page').append(more);
    }
    more.hidden = !cursor;
    const shown = document.querySelectorAll('#search-groups li').length;
    $('search-empty').hidden = shown > 0;
    document.body.dataset.results = String(shown);
    return total;
  }

  $('audio').addEventListener('ended', () => {
    const id = document.body.dataset.playing;
    if (!id || !$('audio').src.includes('count_play=false')) return;
    const body = crypto.randomUUID ? { event_id: crypto.randomUUID() } : {};
    post(`/api/v1/tracks/${encodeURIComponent(id)}/plays`, body).catch((e) => showError(e.message));
  });

  (async () => {
    if (!q) {
      $('search-title').textContent = 'Search';
      $('search-empty').hidden = false;
      $('search-empty').textContent = 'Type in the search box above.';
    } else {
      $('search-title').textContent = `Results for “${q}”`;
      document.title = `Chorus — ${q}`;
      try { await load(); } catch (e) { showError(e.message); }
    }
    document.body.dataset.ready = '1';
  })();
})();

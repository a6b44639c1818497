// The federation map. It reads GET /v1/operator/federation/stream (server-sent events) with fetch,
// so that the ACL token travels in the X-Meshfed-Token header, never in the URL. Every name the
// server sends is written with textContent or setAttribute, never parsed as HTML: a node or DC
// name holding markup shows as text. Elements are kept per DC and updated in place, so keyboard
// focus survives the updates that arrive every two seconds.
'use strict';

(() => {
  const STREAM = '/v1/operator/federation/stream';
  const GATEWAYS = '/v1/internal/federation-states/mesh-gateways';
  const TOKEN_KEY = 'meshfed.token';
  const TOKEN_HEADER = 'X-Meshfed-Token';
  const RETRY_MS = 2000;
  /** No event for this long: what is shown may be out of date. */
  const STALE_MS = 8000;
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const map = $('map');
  const list = $('dc-list');
  const details = $('details');
  const live = $('live');
  const dcElements = new Map(); // DC name -> {group, link, circle, name, line2, item, button}
  let selected = null;
  let latest = null;
  let staleTimer = null;
  /** Each DC's mesh gateways from its federation state (node, addresses, checks), by DC. */
  let gateways = {};
  let watchingGateways = false;

  function el(tag, attrs, text) {
    const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setLive(state, text) {
    live.className = 'live-' + state;
    live.textContent = text;
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  function askForToken(reason) {
    $('token-reason').textContent = reason;
    $('token-form').hidden = false;
    $('main').hidden = true;
    setLive('denied', 'needs a token');
    $('token').focus();
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    $('token-form').hidden = true;
    connect();
  });

  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  function headers(accept) {
    const h = { Accept: accept };
    if (token()) h[TOKEN_HEADER] = token();
    return h;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * The gateways of every DC, kept current with blocking reads (?index=&wait=), as Consul's
   * clients do: each answer carries the index to wait past next.
   */
  async function watchGateways() {
    let index = 0;
    for (;;) {
      try {
        const query = index > 0 ? '?index=' + index + '&wait=5m' : '';
        const response = await fetch(GATEWAYS + query, { headers: headers('application/json'), cache: 'no-store' });
        if (!response.ok) {
          await sleep(RETRY_MS); // a refused token shows in the stream's answer
          continue;
        }
        const next = Number(response.headers.get('X-Meshfed-Index')) || 0;
        gateways = await response.json();
        index = next < index ? 0 : next; // an index that goes back means the store was rebuilt: start over
        if (latest) render(latest);
      } catch (e) {
        await sleep(RETRY_MS);
      }
    }
  }

  async function connect() {
    $('forget-token').hidden = !token();
    let response;
    try {
      response = await fetch(STREAM, { headers: headers('text/event-stream'), cache: 'no-store' });
    } catch (e) {
      return retry('cannot reach the server (' + e.message + ')');
    }
    if (response.status === 401 || response.status === 403) {
      const reason = (await response.text()).trim();
      return askForToken(token() ? 'The server refused this token: ' + reason : 'This server has ACLs on: ' + reason);
    }
    if (!response.ok || !response.body) {
      return retry('the server answered ' + response.status + ': ' + (await response.text()).trim());
    }
    setLive('ok', 'live');
    const opened = Date.now();
    if (!watchingGateways) {
      watchingGateways = true;
      watchGateways();
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (onEvent(block) === 'stop') return;
        }
      }
    } catch (e) {
      return retry('the stream broke (' + e.message + ')');
    }
    // The server ends a stream after 10 minutes: that one is picked up again at once, quietly.
    if (Date.now() - opened > 60000) return connect();
    retry('the stream ended');
  }

  function retry(why) {
    setLive('down', 'disconnected: ' + why + '; retrying');
    setTimeout(connect, RETRY_MS);
  }

  /** One server-sent event (HTML standard, "event stream interpretation"): its type and data lines. */
  function onEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (type === 'error') {
      const text = data.join('\n');
      if (/permission denied|ACL not found/i.test(text)) {
        askForToken('The server refused this token: ' + text);
        return 'stop';
      }
      setLive('down', text);
      return undefined;
    }
    if (type === 'status') {
      latest = JSON.parse(data.join('\n'));
      render(latest);
      setLive('ok', 'live, updated ' + new Date(latest.At).toLocaleTimeString());
      clearTimeout(staleTimer);
      staleTimer = setTimeout(() => setLive('stale', 'no update for ' + STALE_MS / 1000 + ' s: what is shown may be out of date'), STALE_MS);
    }
    return undefined;
  }

  function ago(iso) {
    if (!iso) return 'unknown';
    const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function render(status) {
    $('main').hidden = false;
    $('viewpoint').textContent = 'As seen by server ' + status.Node + ' of ' + status.Datacenter
      + ' (primary: ' + status.Primary + ')';
    const dcs = status.Datacenters || [];
    const names = new Set(dcs.map((d) => d.Datacenter));
    for (const [name, parts] of dcElements) {
      if (!names.has(name)) {
        parts.group.remove();
        parts.link.remove();
        parts.item.remove();
        dcElements.delete(name);
      }
    }
    const positions = layout(dcs.map((d) => d.Datacenter), status.Datacenter);
    const home = positions.get(status.Datacenter);
    dcs.forEach((dc) => draw(dc, positions.get(dc.Datacenter), home, status));
    if (selected && names.has(selected)) showDetails(selected);
  }

  /** The viewing DC in the middle, the others on an ellipse around it, in the server's order. */
  function layout(names, self) {
    const out = new Map();
    const others = names.filter((n) => n !== self);
    out.set(self, { x: 300, y: 280 });
    others.forEach((n, i) => {
      // Turned half a step, so that no link runs through the summary under the middle DC.
      const step = (2 * Math.PI) / Math.max(others.length, 1);
      const angle = -Math.PI / 2 + step / 2 + step * i;
      out.set(n, { x: 300 + 205 * Math.cos(angle), y: 280 + 190 * Math.sin(angle) });
    });
    return out;
  }

  function draw(dc, at, home, status) {
    let parts = dcElements.get(dc.Datacenter);
    if (!parts) {
      parts = create(dc.Datacenter);
      dcElements.set(dc.Datacenter, parts);
    }
    const verdict = 'verdict-' + dc.Verdict;
    const self = dc.Datacenter === status.Datacenter;
    const servers = dc.Servers || { Alive: 0, Suspect: 0, Failed: 0, Left: 0 };
    const gateways = dc.FederationState ? dc.FederationState.MeshGateways : 0;
    const summary = (servers.Alive + servers.Suspect) + ' of '
      + (servers.Alive + servers.Suspect + servers.Failed) + ' servers, ' + gateways + ' gateways';
    const label = dc.Datacenter + (self ? ' (this DC)' : '') + (dc.Datacenter === status.Primary ? ' (primary)' : '')
      + ': ' + dc.Verdict + '. ' + (dc.Reasons || []).join('. ');

    parts.group.setAttribute('class', 'dc ' + verdict + (self ? ' self' : '') + (selected === dc.Datacenter ? ' selected' : ''));
    parts.group.setAttribute('aria-label', label);
    parts.group.setAttribute('transform', 'translate(' + at.x.toFixed(1) + ' ' + at.y.toFixed(1) + ')');
    parts.name.textContent = dc.Datacenter + (dc.Datacenter === status.Primary ? ' ★' : '');
    parts.line2.textContent = dc.Verdict;
    parts.line3.textContent = summary;
    parts.link.setAttribute('class', 'link ' + verdict);
    parts.link.setAttribute('x1', home.x.toFixed(1));
    parts.link.setAttribute('y1', home.y.toFixed(1));
    parts.link.setAttribute('x2', at.x.toFixed(1));
    parts.link.setAttribute('y2', at.y.toFixed(1));
    parts.link.style.display = self ? 'none' : '';

    drawGateways(parts, gatewaysOf(dc.Datacenter));

    parts.item.setAttribute('class', verdict);
    parts.button.setAttribute('aria-label', label);
    parts.button.setAttribute('aria-pressed', selected === dc.Datacenter ? 'true' : 'false');
    parts.itemName.textContent = dc.Datacenter;
    parts.itemVerdict.textContent = dc.Verdict;
    parts.itemSince.textContent = 'since ' + ago(dc.Since);
  }

  function gatewaysOf(dc) {
    return Array.isArray(gateways[dc]) ? gateways[dc] : [];
  }

  function health(gw) {
    const checks = Array.isArray(gw.Checks) ? gw.Checks : [];
    if (checks.some((c) => c.Status === 'critical')) return 'critical';
    if (checks.some((c) => c.Status === 'warning')) return 'warning';
    return 'passing';
  }

  /** A dot per gateway on the DC's ring, coloured by its health; its name in a tooltip. */
  function drawGateways(parts, list) {
    parts.gateways.replaceChildren();
    list.slice(0, 12).forEach((gw, i) => {
      const angle = Math.PI / 4 + (i * Math.PI) / 8;
      const dot = el('svg:circle', { r: '9', class: 'gateway health-' + health(gw),
        cx: (60 * Math.cos(angle)).toFixed(1), cy: (60 * Math.sin(angle)).toFixed(1) });
      dot.append(el('svg:title', {}, 'gateway ' + ((gw.Node && gw.Node.Node) || '?') + ': ' + health(gw)));
      parts.gateways.append(dot);
    });
  }

  function create(name) {
    const link = el('svg:line', { class: 'link', 'data-dc': name });
    map.insertBefore(link, map.firstChild); // links under the DCs
    const group = el('svg:g', { class: 'dc', tabindex: '0', role: 'button', 'data-dc': name });
    group.append(el('svg:circle', { r: '60', class: 'ring' }));
    const nameText = el('svg:text', { class: 'name', y: '-6', 'text-anchor': 'middle' });
    const line2 = el('svg:text', { class: 'verdict', y: '18', 'text-anchor': 'middle' });
    const line3 = el('svg:text', { class: 'summary', y: '84', 'text-anchor': 'middle' });
    const gatewayDots = el('svg:g', { class: 'gateways' });
    group.append(nameText, line2, line3, gatewayDots);
    group.addEventListener('click', () => choose(name, false));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose(name, true);
      }
    });
    map.append(group);

    const item = el('li');
    const button = el('button', { type: 'button', 'data-dc': name });
    const itemName = el('span', { class: 'name' });
    const itemVerdict = el('span', { class: 'verdict' });
    const itemSince = el('span', { class: 'since' });
    button.append(itemName, itemVerdict, itemSince);
    button.addEventListener('click', () => choose(name, false));
    item.append(button);
    list.append(item);
    return { group, link, name: nameText, line2, line3, gateways: gatewayDots, item, button, itemName, itemVerdict, itemSince };
  }

  function choose(name, fromKeyboard) {
    selected = name;
    if (latest) render(latest);
    showDetails(name);
    if (fromKeyboard) details.focus();
  }

  function showDetails(name) {
    const dc = (latest.Datacenters || []).find((d) => d.Datacenter === name);
    if (!dc) return;
    const body = [];
    body.push(el('h2', {}, dc.Datacenter + (dc.Datacenter === latest.Primary ? ' (primary)' : '')));
    const verdict = el('p', { class: 'verdict-line verdict-' + dc.Verdict });
    verdict.append(el('strong', {}, dc.Verdict), document.createTextNode(' since '
      + (dc.Since ? new Date(dc.Since).toLocaleString() : 'unknown') + ' (' + ago(dc.Since) + ')'));
    body.push(verdict);

    body.push(el('h3', {}, 'Reasons'));
    const reasons = el('ul', { class: 'reasons' });
    (dc.Reasons && dc.Reasons.length ? dc.Reasons : ['nothing wrong seen']).forEach((r) => reasons.append(el('li', {}, r)));
    body.push(reasons);

    if (dc.Servers) {
      body.push(el('h3', {}, 'Servers in the WAN view'));
      body.push(table(['server', 'status', 'since'],
        (dc.Servers.Members || []).map((m) => [m.Name, m.Status, ago(m.Since)])));
    }
    if (dc.Path) {
      body.push(el('h3', {}, 'Path from ' + latest.Datacenter + ': ' + dc.Path.Via));
      body.push(table(['gateway', 'probe', 'error'],
        (dc.Path.Gateways || []).map((g) => [g.Address, g.Probe, g.Error || ''])));
    }
    const gws = gatewaysOf(dc.Datacenter);
    if (gws.length) {
      body.push(el('h3', {}, 'Mesh gateways in its federation state'));
      body.push(table(['gateway', 'WAN address', 'health', 'check output'], gws.map((gw) => {
        const wan = gw.Service && gw.Service.TaggedAddresses && gw.Service.TaggedAddresses.wan;
        const outputs = (gw.Checks || []).map((c) => c.Output).filter((o) => o).join('; ');
        return [(gw.Node && gw.Node.Node) || '', wan ? wan.Address + ':' + wan.Port : '', health(gw), outputs];
      })));
    }
    if (dc.FederationState) {
      body.push(el('p', {}, 'Federation state: ' + dc.FederationState.MeshGateways + ' mesh gateways, updated '
        + ago(dc.FederationState.UpdatedAt)));
    }
    if (dc.Replica) {
      body.push(el('p', {}, 'Replication of the primary\'s states: ' + dc.Replica.Status + ', last read '
        + ago(dc.Replica.LastRead) + (dc.Replica.Reason ? ' (' + dc.Replica.Reason + ')' : '')));
    }
    if (dc.Datacenter === latest.Datacenter && latest.Local) body.push(...local(latest.Local));
    details.replaceChildren(...body);
  }

  function local(l) {
    const rows = [];
    rows.push(['leader', l.Leader || ('none answered' + (l.LeaderError ? ': ' + l.LeaderError : ''))]);
    if (l.FeatureBarrier) rows.push(['feature barrier', l.FeatureBarrier.Open ? 'open' : 'closed: ' + l.FeatureBarrier.Reason]);
    if (l.Replication) {
      const r = l.Replication;
      rows.push(['replication', (r.Healthy ? 'healthy' : 'failing') + ', index ' + r.RemoteIndex + ', last success '
        + ago(r.LastSuccess) + (r.LastError ? ', last error: ' + r.LastError : '')]);
    }
    if (l.AntiEntropy) rows.push(['anti-entropy', 'last push ' + ago(l.AntiEntropy.LastPushAt) + ': ' + l.AntiEntropy.LastPushResult]);
    if (l.Certificate) {
      rows.push(['certificate', l.Certificate.Subject + ', expires ' + new Date(l.Certificate.NotAfter).toLocaleDateString()
        + ' (' + l.Certificate.DaysLeft + ' days)']);
    }
    return [el('h3', {}, 'This datacenter'), table(['', ''], rows)];
  }

  function table(headings, rows) {
    const t = el('table');
    const head = el('tr');
    headings.forEach((h) => head.append(el('th', { scope: 'col' }, h)));
    t.append(el('thead'));
    t.firstChild.append(head);
    const body = el('tbody');
    rows.forEach((r) => {
      const tr = el('tr');
      r.forEach((c) => tr.append(el('td', {}, String(c))));
      body.append(tr);
    });
    t.append(body);
    return t;
  }

  connect();
})();

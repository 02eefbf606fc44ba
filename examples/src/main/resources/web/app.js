// The order page: plain JavaScript, no build step, nothing loaded from elsewhere.
//
// Every API call goes to the gateway under /api with the X-API-Key header. The catalog and the
// customer profile are kept in localStorage with their ETags and revalidated with If-None-Match:
// a 304 keeps the stored copy, a 200 replaces it. Every call is recorded in
// window.layerkit.requests ({method, path, status, idempotencyKey}) for the curious and for the
// browser test.
'use strict';

(() => {
  const API = '/api';
  const POLL_MS = 2000;
  const PAGE_SIZE = 10;
  const CHART_MINUTES = 15;
  const STORE_PREFIX = 'layerkit.v1.';
  const MINUTE = 60_000;
  const SVG = 'http://www.w3.org/2000/svg';
  const HOUR = 3_600_000;
  const hourClock = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit' });

  const $ = (id) => document.getElementById(id);
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  const cents = (value) => money.format(value / 100);
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

  const requests = [];
  window.layerkit = { requests, ready: false };

  const state = {
    catalog: [],        // [{sku, name, priceCents}]
    customerId: null,
    pageStarts: [null], // the "before" cursor of each page shown so far; null is the newest
    next: null,         // the cursor of the page after the current one, if any
  };

  /** A failed call: the HTTP status (0 when the gateway did not answer) and the JSON body. */
  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.message) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
      this.retryAfter = retryAfter;
    }
  }

  async function api(path, { method = 'GET', headers = {}, body } = {}) {
    const sent = new Headers(headers);
    sent.set('X-API-Key', $('api-key').value.trim());
    sent.set('Accept', 'application/json');
    let response;
    try {
      // no-store: localStorage is this page's cache; the browser's must not answer for it.
      response = await fetch(API + path, { method, headers: sent, body, cache: 'no-store' });
    } catch (failure) {
      requests.push({ method, path, status: 0, idempotencyKey: sent.get('Idempotency-Key') });
      throw new ApiError(0, { message: 'the gateway did not answer (' + failure.message + ')' }, null);
    }
    requests.push({ method, path, status: response.status, idempotencyKey: sent.get('Idempotency-Key') });
    if (response.status === 304) {
      return { status: 304, headers: response.headers, body: null };
    }
    const text = await response.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch (notJson) {
        parsed = { message: text.slice(0, 200) };
      }
    }
    if (!response.ok) {
      throw new ApiError(response.status, parsed, response.headers.get('Retry-After'));
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  // ---- localStorage with ETags ------------------------------------------------------------

  function readStored(key) {
    try {
      const stored = JSON.parse(localStorage.getItem(STORE_PREFIX + key));
      return stored && typeof stored.etag === 'string' ? stored : null;
    } catch (unreadable) {
      return null;
    }
  }

  function store(key, etag, body) {
    try {
      localStorage.setItem(STORE_PREFIX + key, JSON.stringify({ etag, body, storedAt: Date.now() }));
    } catch (full) {
      // Storage full or disabled: the page still works, it just downloads again next time.
    }
  }

  /**
   * GETs a resource kept in localStorage: with If-None-Match when a copy is stored, so an
   * unchanged resource costs a 304 without a body. A stored copy that isValid rejects is
   * ignored. Returns {body, source}.
   */
  async function cachedGet(path, key, isValid = () => true) {
    let stored = readStored(key);
    if (stored && !isValid(stored.body)) {
      stored = null; // damaged or from an older page: download it again
    }
    const result = await api(path, { headers: stored ? { 'If-None-Match': stored.etag } : {} });
    if (result.status === 304 && stored) {
      return { body: stored.body, source: 'revalidated' };
    }
    const etag = result.headers.get('ETag');
    if (etag) {
      store(key, etag, result.body);
    }
    return { body: result.body, source: 'network' };
  }

  function describeSource(element, source) {
    element.dataset.source = source;
    element.textContent = source === 'revalidated'
      ? 'from localStorage (revalidated: 304 Not Modified)'
      : 'downloaded (200), now kept in localStorage';
  }

  // ---- errors -----------------------------------------------------------------------------

  /** Turns a failure into a headline and detail lines a person can act on. */
  function explain(failure, fieldLabel = (field) => field) {
    if (!(failure instanceof ApiError)) {
      return { title: 'Something went wrong in the page', lines: [String(failure)] };
    }
    const body = failure.body;
    switch (failure.status) {
      case 0:
        return { title: 'The gateway could not be reached', lines: [body.message] };
      case 400: {
        const fields = body.fields || {};
        const lines = Object.keys(fields).sort().map((field) => fieldLabel(field) + ': ' + fields[field]);
        return { title: 'The request was not accepted (400)', lines: lines.length ? lines : [body.message] };
      }
      case 401:
        return { title: 'The API key was refused (401)', lines: ['Check the API key field.'] };
      case 404:
        return { title: 'Not found (404)', lines: [body.message] };
      case 429: {
        const seconds = Number(failure.retryAfter);
        const wait = Number.isFinite(seconds) && seconds >= 0
          ? 'Retry after ' + seconds + (seconds === 1 ? ' second.' : ' seconds.')
          : 'Retry in a moment.';
        return { title: 'Too many requests (429)', lines: ['This API key has used up its rate limit at the gateway. ' + wait] };
      }
      default:
        return {
          title: 'The server answered ' + failure.status + (body.error ? ' ' + body.error : ''),
          // The idempotency answers (409, 422) are RFC 9457 problems, with a "title".
          lines: [body.message || body.title || 'no details'],
        };
    }
  }

  function showError(failure, fieldLabel) {
    const { title, lines } = explain(failure, fieldLabel);
    const box = $('error');
    const heading = document.createElement('strong');
    heading.textContent = title;
    const list = document.createElement('ul');
    for (const line of lines.filter(Boolean)) {
      const item = document.createElement('li');
      item.textContent = line;
      list.append(item);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'link';
    close.textContent = 'Dismiss';
    close.addEventListener('click', clearError);
    box.replaceChildren(heading, list, close);
    box.hidden = false;
  }

  function clearError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  // ---- catalog and order form -------------------------------------------------------------

  async function loadCatalog() {
    try {
      const { body, source } = await cachedGet('/catalog', 'catalog',
        (catalog) => catalog && Array.isArray(catalog.products));
      state.catalog = body.products;
      describeSource($('catalog-source'), source);
      renderCatalog();
    } catch (failure) {
      $('catalog-source').textContent = 'unavailable';
      showError(failure);
    }
  }

  function renderCatalog() {
    const rows = state.catalog.map((product) => {
      const row = document.createElement('tr');
      const name = document.createElement('td');
      const label = document.createElement('label');
      label.htmlFor = 'qty-' + product.sku;
      label.textContent = product.name;
      name.append(label);
      const price = document.createElement('td');
      price.className = 'num';
      price.textContent = cents(product.priceCents);
      const quantity = document.createElement('td');
      quantity.className = 'num';
      const input = document.createElement('input');
      Object.assign(input, { type: 'number', id: 'qty-' + product.sku, min: '0', max: '100', step: '1', value: '0' });
      input.dataset.sku = product.sku;
      input.className = 'quantity';
      input.addEventListener('input', renderTotal);
      quantity.append(input);
      row.append(name, price, quantity);
      return row;
    });
    $('catalog-rows').replaceChildren(...rows);
    renderTotal();
  }

  function chosenItems() {
    return state.catalog
      .map((product) => {
        const text = $('qty-' + product.sku).value.trim();
        return { sku: product.sku, quantity: text === '' ? 0 : Number(text) };
      })
      .filter((item) => item.quantity !== 0);
  }

  function renderTotal() {
    let total = 0;
    for (const item of chosenItems()) {
      const product = state.catalog.find((p) => p.sku === item.sku);
      if (product && Number.isInteger(item.quantity) && item.quantity > 0) {
        total += product.priceCents * item.quantity;
      }
    }
    $('order-total').textContent = cents(total);
  }

  /** A fresh key per click; crypto.getRandomValues works on plain http too. */
  function newIdempotencyKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function placeOrder(event) {
    event.preventDefault();
    clearError();
    const result = $('order-result');
    if (!state.customerId) {
      result.textContent = 'Load a customer first.';
      return;
    }
    const items = chosenItems();
    if (items.length === 0) {
      result.textContent = 'Choose a quantity for at least one product.';
      return;
    }
    const nameOf = (sku) => (state.catalog.find((p) => p.sku === sku) || { name: sku }).name;
    const fieldLabel = (field) => {
      const match = /^items\[(\d+)\](?:\.(\w+))?$/.exec(field);
      if (match && items[Number(match[1])]) {
        return (match[2] || 'item') + ' of ' + nameOf(items[Number(match[1])].sku);
      }
      return field;
    };
    const button = $('place-order');
    button.disabled = true;
    result.textContent = 'Placing the order…';
    try {
      const placed = await api('/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': newIdempotencyKey() },
        body: JSON.stringify({ customerId: state.customerId, items }),
      });
      const order = placed.body;
      result.textContent = 'Order ' + order.id + ' placed: ' + cents(order.totalCents)
        + (placed.headers.get('Idempotent-Replayed') === 'true'
          ? ' (an earlier request with this key had placed it).' : '.');
      for (const input of document.querySelectorAll('input.quantity')) {
        input.value = '0';
      }
      renderTotal();
      await showPage(0);
    } catch (failure) {
      result.textContent = 'The order was not placed.';
      showError(failure, fieldLabel);
    } finally {
      button.disabled = false;
    }
  }

  // ---- customer and orders ----------------------------------------------------------------

  async function loadCustomer(event) {
    if (event) {
      event.preventDefault();
    }
    clearError();
    const id = $('customer-id').value.trim();
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) {
      showError(new Error('A customer id is 1 to 64 letters, digits or dashes, such as c-1.'));
      return;
    }
    state.customerId = null;
    try {
      const { body, source } = await cachedGet('/customers/' + encodeURIComponent(id), 'customer.' + id,
        (profile) => profile && profile.id === id);
      state.customerId = id;
      renderProfile(body);
      describeSource($('profile-source'), source);
      state.pageStarts = [null];
      await showPage(0);
    } catch (failure) {
      renderProfile(null);
      $('profile-source').textContent = 'not loaded';
      $('order-rows').replaceChildren(messageRow(5, 'No customer loaded.'));
      showError(failure);
    }
  }

  function renderProfile(profile) {
    const box = $('profile');
    if (!profile) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = 'No customer loaded.';
      box.replaceChildren(none);
      return;
    }
    const name = document.createElement('strong');
    name.textContent = profile.name;
    const details = document.createElement('span');
    details.textContent = ' · ' + profile.email + ' · ' + profile.tier + ' tier · ' + profile.id;
    box.replaceChildren(name, details);
  }

  function messageRow(columns, text) {
    const row = document.createElement('tr');
    const cell = document.createElement('td');
    cell.colSpan = columns;
    cell.className = 'muted';
    cell.textContent = text;
    row.append(cell);
    return row;
  }

  /** Shows page {@code index} of pageStarts (0 is the newest), remembering the next cursor. */
  async function showPage(index) {
    const id = state.customerId;
    if (!id) {
      return;
    }
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (state.pageStarts[index] != null) {
      query.set('before', String(state.pageStarts[index]));
    }
    try {
      const { body } = await api('/customers/' + encodeURIComponent(id) + '/orders?' + query);
      state.pageStarts = state.pageStarts.slice(0, index + 1);
      state.next = body.next;
      renderOrders(body.orders, index);
    } catch (failure) {
      showError(failure);
    }
  }

  function renderOrders(orders, index) {
    const nameOf = (sku) => (state.catalog.find((p) => p.sku === sku) || { name: sku }).name;
    const rows = orders.map((order) => {
      const row = document.createElement('tr');
      row.dataset.orderId = order.id;
      const cells = [
        order.id,
        new Date(order.createdAt).toLocaleString(),
        order.items.map((item) => item.quantity + ' × ' + nameOf(item.sku)).join(', '),
        cents(order.totalCents),
        order.status,
      ].map((text, column) => {
        const cell = document.createElement('td');
        if (column === 0) {
          const open = document.createElement('button');
          open.type = 'button';
          open.className = 'link mono';
          open.textContent = text;
          open.setAttribute('aria-label', 'Show order ' + text);
          open.addEventListener('click', () => showOrder(order.id));
          cell.append(open);
        } else {
          cell.textContent = text;
        }
        if (column === 3) {
          cell.className = 'num';
        }
        return cell;
      });
      row.append(...cells);
      return row;
    });
    $('order-rows').replaceChildren(...(rows.length ? rows : [messageRow(5,
      index === 0 ? 'No orders yet: place one above.' : 'No older orders.')]));
    $('newer-page').disabled = index === 0;
    $('older-page').disabled = state.next == null;
    $('page-info').textContent = 'Page ' + (index + 1);
  }

  function olderPage() {
    if (state.next != null) {
      const index = state.pageStarts.length;
      state.pageStarts.push(state.next);
      showPage(index);
    }
  }

  function newerPage() {
    if (state.pageStarts.length > 1) {
      showPage(state.pageStarts.length - 2);
    }
  }

  // ---- one order: read through the cache, change its status --------------------------------

  /** The statuses an order can move to next, as the page offers them. */
  const NEXT_STATUSES = {
    PLACED: ['PAID', 'CANCELLED'],
    PAID: ['SHIPPED', 'CANCELLED'],
    SHIPPED: ['DELIVERED'],
  };

  async function showOrder(id) {
    clearError();
    try {
      const { body, headers } = await api('/orders/' + encodeURIComponent(id));
      renderOrderDetail(body, headers.get('X-Served-By'));
      $('detail-title').focus();
    } catch (failure) {
      showError(failure);
    }
  }

  async function changeStatus(id, status) {
    clearError();
    try {
      const { body, headers } = await api('/orders/' + encodeURIComponent(id), {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ status }),
      });
      renderOrderDetail(body, headers.get('X-Served-By'));
      // The clicked button is gone with the old status: keep the keyboard user in the details.
      $('detail-title').focus();
      await showPage(state.pageStarts.length - 1);
    } catch (failure) {
      showError(failure);
    }
  }

  function renderOrderDetail(order, servedBy) {
    const nameOf = (sku) => (state.catalog.find((p) => p.sku === sku) || { name: sku }).name;
    $('detail-title').textContent = 'Order ' + order.id;
    const fields = [
      ['Status', order.status],
      ['Placed', new Date(order.createdAt).toLocaleString()],
      ['Items', order.items.map((item) => item.quantity + ' × ' + nameOf(item.sku)
        + ' at ' + cents(item.priceCents)).join(', ')],
      ['Total', cents(order.totalCents)],
      ['Version', String(order.version)],
      ['Served by', servedBy || 'unknown'],
    ].flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dd.dataset.field = term.toLowerCase().replace(' ', '-');
      return [dt, dd];
    });
    $('detail-fields').replaceChildren(...fields);
    const actions = (NEXT_STATUSES[order.status] || []).map((status) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = status === 'CANCELLED' ? 'Cancel order' : 'Mark ' + status.toLowerCase();
      button.dataset.status = status;
      button.addEventListener('click', () => changeStatus(order.id, status));
      return button;
    });
    if (actions.length === 0) {
      const done = document.createElement('p');
      done.className = 'muted';
      done.textContent = 'This order is ' + order.status.toLowerCase() + ' and cannot change.';
      actions.push(done);
    }
    $('detail-actions').replaceChildren(...actions);
    $('order-detail').hidden = false;
  }

  // ---- dashboard --------------------------------------------------------------------------

  async function pollDashboard() {
    let delay = POLL_MS;
    const status = $('dashboard-status');
    if (!document.hidden) {
      try {
        const { body } = await api('/dashboard');
        renderDashboard(body);
        status.textContent = 'updated ' + new Date().toLocaleTimeString();
        status.classList.remove('warn');
      } catch (failure) {
        const { title, lines } = explain(failure);
        status.textContent = title + ': ' + lines.join(' ');
        status.classList.add('warn');
        const seconds = Number(failure.retryAfter);
        if (failure.status === 429 && Number.isFinite(seconds)) {
          delay = Math.max(POLL_MS, seconds * 1000);
        }
      }
    }
    setTimeout(pollDashboard, delay);
  }

  function renderDashboard(body) {
    $('orders-placed').textContent = String(body.ordersPlaced);
    // With no reads yet the ratio is 1 by convention; say so instead of a proud 100%.
    $('cache-hit-ratio').textContent = body.cacheHits === 0 && body.cacheHitRatio >= 1
      ? 'no reads yet'
      : (body.cacheHitRatio * 100).toFixed(1) + '%';
    $('cache-hit-ratio').title = body.cacheHits + ' hits';
    $('rate-limit-denials').textContent = String(body.rateLimitDenials);
    const overall = body.health.status;
    $('overall-health').textContent = overall;
    $('overall-health').className = 'status-' + overall.toLowerCase();
    const items = Object.entries(body.health.layers).map(([name, status]) => {
      const item = document.createElement('li');
      item.className = 'status-' + String(status).toLowerCase();
      const label = document.createElement('span');
      label.textContent = name;
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = status;
      item.append(label, badge);
      return item;
    });
    $('health').replaceChildren(...items);
    renderChart(body.ordersPerMinute);
    renderRevenue(body.revenueReport);
  }

  /** Bars for the last CHART_MINUTES minutes, drawn as SVG, with a text summary for readers. */
  function renderChart(windows) {
    const svg = $('chart');
    const width = 600;
    const height = 180;
    const left = 36;
    const bottom = 24;
    const top = 10;
    const byStart = new Map(windows.map((w) => [w.start, w.orders]));
    const latest = windows.reduce((max, w) => Math.max(max, w.start), 0);
    const last = Math.max(Math.floor(Date.now() / MINUTE) * MINUTE, latest);
    const minutes = [];
    for (let i = CHART_MINUTES - 1; i >= 0; i--) {
      const start = last - i * MINUTE;
      minutes.push({ start, orders: byStart.get(start) || 0 });
    }
    const peak = Math.max(1, ...minutes.map((m) => m.orders));
    const plotHeight = height - top - bottom;
    const slot = (width - left) / minutes.length;
    const shapes = [];
    const element = (name, attributes, text) => {
      const node = document.createElementNS(SVG, name);
      for (const [key, value] of Object.entries(attributes)) {
        node.setAttribute(key, String(value));
      }
      if (text !== undefined) {
        node.textContent = text;
      }
      return node;
    };
    shapes.push(element('line', { x1: left, y1: top, x2: left, y2: top + plotHeight, class: 'axis' }));
    shapes.push(element('line', { x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight, class: 'axis' }));
    shapes.push(element('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'tick' }, peak));
    shapes.push(element('text', { x: left - 6, y: top + plotHeight, 'text-anchor': 'end', class: 'tick' }, 0));
    minutes.forEach((minute, i) => {
      const barHeight = Math.round((minute.orders / peak) * plotHeight);
      const x = left + i * slot + 3;
      const bar = element('rect', {
        x, y: top + plotHeight - barHeight, width: Math.max(1, slot - 6), height: barHeight, class: 'bar',
      });
      bar.append(element('title', {}, clock.format(minute.start) + ': ' + minute.orders + ' orders'));
      shapes.push(bar);
      const lastBar = i === minutes.length - 1;
      if (i % 5 === 4 || i === 0) {
        // The right-most label ends at its bar, so it is not cut off at the chart's edge.
        shapes.push(element('text', {
          x: lastBar ? x + slot - 6 : x + (slot - 6) / 2, y: height - 6,
          'text-anchor': lastBar ? 'end' : 'middle', class: 'tick',
        }, clock.format(minute.start)));
      }
    });
    const total = minutes.reduce((sum, m) => sum + m.orders, 0);
    const title = element('title', { id: 'chart-title' }, 'Orders per minute');
    const desc = element('desc', { id: 'chart-desc' }, total + ' orders in the last ' + CHART_MINUTES
      + ' minutes; ' + minutes[minutes.length - 1].orders + ' in the current minute; peak ' + peak + '.');
    svg.replaceChildren(title, desc, ...shapes);
  }

  /** An SVG element with attributes and, optionally, text. */
  function svgElement(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) {
      node.setAttribute(key, String(value));
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /**
   * The nightly report as stacked bars: one bar per hour of the report, one segment per product
   * (coloured by its place in the catalog), revenue on the axis; each segment's title gives the
   * product, its orders and revenue.
   */
  function renderRevenue(report) {
    const svg = $('revenue-chart');
    const rows = (report && report.hours) || [];
    const last = report && report.lastRun;
    if (last) {
      $('revenue-status').textContent = 'Report of ' + new Date(last.at).toLocaleString() + ': '
        + last.recordsRead + ' order lines read, ' + last.rowsWritten + ' rows written to '
        + report.table + (last.deadLetters ? ', ' + last.deadLetters + ' dead letters' : '') + '.';
    } else if (rows.length) {
      $('revenue-status').textContent = 'From the warehouse table ' + report.table + '.';
    }
    if (!rows.length) {
      svg.replaceChildren(svgElement('title', { id: 'revenue-chart-title' }, 'Revenue per product and hour'),
        svgElement('desc', { id: 'revenue-chart-desc' }, 'No report yet.'));
      $('revenue-legend').replaceChildren();
      return;
    }
    const skus = state.catalog.map((p) => p.sku);
    const productClass = (sku) => 'product-' + Math.max(0, skus.indexOf(sku)) % 6;
    const names = new Map(rows.map((r) => [r.sku, r.name]));
    const first = Math.min(...rows.map((r) => r.start));
    const latest = Math.max(...rows.map((r) => r.start));
    const hours = [];
    for (let start = first; start <= latest; start += HOUR) {
      hours.push({ start, rows: rows.filter((r) => r.start === start) });
    }
    const totals = hours.map((h) => h.rows.reduce((sum, r) => sum + r.revenueCents, 0));
    const peak = Math.max(1, ...totals);
    const width = 600;
    const height = 200;
    const left = 64;
    const bottom = 24;
    const top = 10;
    const plotHeight = height - top - bottom;
    const slot = (width - left) / Math.max(hours.length, 6);
    const shapes = [
      svgElement('line', { x1: left, y1: top, x2: left, y2: top + plotHeight, class: 'axis' }),
      svgElement('line', { x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight, class: 'axis' }),
      svgElement('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'tick' }, cents(peak)),
      svgElement('text', { x: left - 6, y: top + plotHeight, 'text-anchor': 'end', class: 'tick' }, cents(0)),
    ];
    hours.forEach((hour, i) => {
      const x = left + i * slot + 3;
      let y = top + plotHeight;
      for (const row of hour.rows) {
        const segment = Math.max(1, Math.round((row.revenueCents / peak) * plotHeight));
        y -= segment;
        const rect = svgElement('rect', {
          x, y, width: Math.max(1, slot - 6), height: segment,
          class: 'revenue-bar ' + productClass(row.sku), 'data-sku': row.sku, 'data-start': row.start,
        });
        rect.append(svgElement('title', {}, hourClock.format(row.start) + ' ' + row.name + ': '
          + row.orders + ' orders, ' + cents(row.revenueCents)));
        shapes.push(rect);
      }
      if (i === 0 || i === hours.length - 1 || i % 6 === 0) {
        shapes.push(svgElement('text', { x: x + (slot - 6) / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' },
          hourClock.format(hour.start)));
      }
    });
    const total = totals.reduce((a, b) => a + b, 0);
    svg.replaceChildren(svgElement('title', { id: 'revenue-chart-title' }, 'Revenue per product and hour'),
      svgElement('desc', { id: 'revenue-chart-desc' }, cents(total) + ' in ' + hours.length
        + (hours.length === 1 ? ' hour' : ' hours') + ' across ' + names.size
        + (names.size === 1 ? ' product' : ' products') + '; best hour ' + cents(peak) + '.'),
      ...shapes);
    $('revenue-legend').replaceChildren(...[...names.entries()].map(([sku, name]) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch ' + productClass(sku);
      item.append(swatch, document.createTextNode(name));
      return item;
    }));
  }

  async function runRevenueReport() {
    const button = $('run-revenue');
    button.disabled = true;
    $('revenue-status').textContent = 'Running the report…';
    try {
      const { body } = await api('/dashboard/revenue', { method: 'POST' });
      renderRevenue(body);
    } catch (failure) {
      const { title, lines } = explain(failure);
      $('revenue-status').textContent = title + ': ' + lines.join(' ');
    } finally {
      button.disabled = false;
    }
  }

  // ---- start ------------------------------------------------------------------------------

  async function start() {
    $('settings').addEventListener('submit', loadCustomer);
    $('order-form').addEventListener('submit', placeOrder);
    $('older-page').addEventListener('click', olderPage);
    $('newer-page').addEventListener('click', newerPage);
    $('run-revenue').addEventListener('click', runRevenueReport);
    await loadCatalog();
    await loadCustomer();
    pollDashboard();
    window.layerkit.ready = true;
    document.body.dataset.ready = 'true';
  }

  start();
})();

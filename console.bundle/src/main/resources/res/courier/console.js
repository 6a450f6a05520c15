/*
 * The Courier pages of the Felix Web Console: each page fetches its JSON (the same data scripts
 * can fetch) and draws it. Refresh is driven by the open page only: while "Live" is on and the
 * page is visible, the next request is made a few seconds after the last answer; a hidden page
 * asks nothing. The send graph is drawn as inline SVG, laid out here; nothing is loaded from
 * elsewhere.
 */
(function () {
  'use strict';

  var root = document.getElementById('courier');
  if (!root) {
    return;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  var page = root.getAttribute('data-page');
  var jsonPath = root.getAttribute('data-json');
  // From the origin: a page opened with credentials in its address must not fetch with them.
  var jsonUrl = new URL(jsonPath, location.origin).href;
  var state = {
    live: page === 'processes' || page === 'sends' || page === 'node',
    interval: 2000,
    timer: null,
    busy: false,
    params: { offset: 0, limit: 100, q: '', state: '', level: 'auto' },
    data: null
  };

  // ---------------------------------------------------------------- small helpers

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') {
          e.textContent = attrs[k];
        } else if (k === 'cls') {
          e.className = attrs[k];
        } else if (k.indexOf('on') === 0) {
          e.addEventListener(k.substring(2), attrs[k]);
        } else {
          e.setAttribute(k, attrs[k]);
        }
      });
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) {
        e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      }
    });
    return e;
  }

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function num(n) {
    return n === null || n === undefined ? '' : Number(n).toLocaleString('en-US');
  }

  function show(v) {
    if (v === null || v === undefined) {
      return '';
    }
    return Array.isArray(v) ? v.join(', ') : String(v);
  }

  /** A table: columns are {key, title, num?, fmt?(row) -> string|Node}. */
  function table(id, columns, rows, empty) {
    if (!rows.length) {
      return el('p', { cls: 'empty', id: id, text: empty });
    }
    var head = el('tr', null, columns.map(function (c) {
      return el('th', { text: c.title });
    }));
    var body = el('tbody');
    rows.forEach(function (r) {
      body.appendChild(el('tr', r.highlighted ? { cls: 'highlighted' } : null, columns.map(function (c) {
        var v = c.fmt ? c.fmt(r) : c.num ? num(r[c.key]) : show(r[c.key]);
        return el('td', c.num ? { cls: 'num' } : null, [v]);
      })));
    });
    return el('table', { cls: 'nicetable courier-table', id: id }, [el('thead', null, [head]), body]);
  }

  function stateCell(r) {
    return el('span', { cls: 'state-' + (r.state || '') , text: r.state || '' });
  }

  // ---------------------------------------------------------------- loading

  function query() {
    var p = state.params;
    var parts = [];
    if (page === 'processes') {
      parts.push('offset=' + p.offset, 'limit=' + p.limit);
      if (p.q) {
        parts.push('q=' + encodeURIComponent(p.q));
      }
      if (p.state) {
        parts.push('state=' + encodeURIComponent(p.state));
      }
    } else if (page === 'sends') {
      parts.push('level=' + encodeURIComponent(p.level));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.live && !document.hidden) {
      state.timer = setTimeout(load, state.interval);
    }
  }

  function load() {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.busy) {
      return;
    }
    state.busy = true;
    var started = performance.now();
    fetch(jsonUrl + query(), { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error('HTTP ' + resp.status + ' ' + resp.statusText);
        }
        return resp.json();
      })
      .then(function (data) {
        var fetched = performance.now();
        state.data = data;
        draw(data);
        var drawn = performance.now();
        root.setAttribute('data-snapshot', data.snapshot);
        root.setAttribute('data-render-ms', Math.round(drawn - fetched));
        status('Updated ' + new Date().toLocaleTimeString() + ' (snapshot ' + data.snapshot + '; fetched in '
          + Math.round(fetched - started) + ' ms, drawn in ' + Math.round(drawn - fetched) + ' ms)', false);
      })
      .catch(function (err) {
        status('Could not load ' + jsonPath + ': ' + err.message, true);
        if (/HTTP 40[13]/.test(err.message)) {
          state.live = false;
          liveBox.checked = false;
        }
      })
      .then(function () {
        state.busy = false;
        schedule();
      });
  }

  // ---------------------------------------------------------------- the frame: toolbar and content

  var statusLine = el('span', { cls: 'courier-status', id: 'courier-status' });
  var liveBox = el('input', { type: 'checkbox', id: 'courier-live', onchange: function () {
    state.live = liveBox.checked;
    if (state.live) {
      load();
    } else {
      schedule();
    }
  } });
  liveBox.checked = state.live;
  var every = el('select', { id: 'courier-interval', onchange: function () {
    state.interval = Number(every.value);
    schedule();
  } }, [1000, 2000, 5000, 10000].map(function (ms) {
    var o = el('option', { value: String(ms), text: 'every ' + ms / 1000 + ' s' });
    if (ms === state.interval) {
      o.selected = true;
    }
    return o;
  }));
  var bar = el('div', { cls: 'courier-bar' }, [
    el('label', null, [liveBox, ' Live']), every,
    el('button', { type: 'button', id: 'courier-refresh', text: 'Refresh', onclick: load }),
    el('a', { href: jsonPath, id: 'courier-json', text: 'JSON' }),
    statusLine
  ]);
  var controls = el('div', { id: 'courier-controls' });
  var content = el('div', { id: 'courier-content' });
  root.textContent = '';
  root.appendChild(bar);
  root.appendChild(controls);
  root.appendChild(content);

  function status(text, error) {
    statusLine.textContent = text;
    statusLine.className = error ? 'courier-status courier-error' : 'courier-status';
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      clearTimeout(state.timer);
      state.timer = null;
    } else if (state.live) {
      load();
    }
  });

  // ---------------------------------------------------------------- pages

  var drawers = {
    processes: drawProcesses,
    node: drawNode,
    sends: drawSends,
    names: function (d) {
      replace(content, [table('courier-table-names', [
        { key: 'name', title: 'name' }, { key: 'pid', title: 'pid', num: true },
        { key: 'process', title: 'process' }, { key: 'chid', title: 'chid', num: true }
      ], d.names, 'No name is attached.')]);
    },
    async: function (d) {
      replace(content, [
        el('h3', { text: 'Asynchronous channels' }),
        table('courier-table-channels', [
          { key: 'pid', title: 'pid', num: true }, { key: 'process', title: 'process' },
          { key: 'chid', title: 'chid', num: true }, { key: 'names', title: 'names' },
          { key: 'queued', title: 'queue depth', num: true }, { key: 'connections', title: 'connections', num: true },
          { key: 'buffersInUse', title: 'buffers in use', num: true },
          { key: 'buffersAllocated', title: 'buffers made', num: true },
          { key: 'maxNumBuffer', title: 'max buffers', num: true }, { key: 'bufferSize', title: 'buffer size', num: true }
        ], d.channels, 'No asynchronous channel.'),
        el('h3', { text: 'Asynchronous connections' }),
        table('courier-table-connections', [
          { key: 'pid', title: 'pid', num: true }, { key: 'process', title: 'process' },
          { key: 'coid', title: 'coid' }, { key: 'name', title: 'name' },
          { key: 'serverPid', title: 'server', fmt: function (r) {
            return r.serverPid === null ? 'stored (no receiver)' : r.serverPid + ' ' + show(r.serverProcess);
          } },
          { key: 'chid', title: 'chid', num: true }, { key: 'state', title: 'state' },
          { key: 'triggerNumMsg', title: 'trigger msgs', num: true },
          { key: 'triggerTimeNsec', title: 'trigger time', fmt: function (r) {
            return r.triggerTimeNsec ? num(r.triggerTimeNsec / 1e6) + ' ms' : '';
          } },
          { key: 'pending', title: 'pending', num: true }, { key: 'queued', title: 'queued', num: true },
          { key: 'buffersInUse', title: 'buffers in use', num: true }, { key: 'maxNumBuffer', title: 'max', num: true },
          { key: 'put', title: 'put', num: true }, { key: 'got', title: 'got', num: true }
        ], d.connections, 'No asynchronous connection.')
      ]);
    },
    ports: function (d) {
      var ops = [];
      d.ports.forEach(function (p) {
        p.pending.forEach(function (o) {
          ops.push(Object.assign({ port: p.id }, o));
        });
      });
      replace(content, [
        table('courier-table-ports', [
          { key: 'id', title: 'port', num: true }, { key: 'ownerPid', title: 'pid', num: true },
          { key: 'process', title: 'process' }, { key: 'open', title: 'state', fmt: function (r) {
            return r.open ? 'open' : 'closed';
          } },
          { key: 'waitingThreads', title: 'waiting threads', num: true },
          { key: 'queuedCompletions', title: 'queued completions', num: true },
          { key: 'pending', title: 'pending operations', fmt: function (r) {
            return num(r.pending.length);
          } },
          { key: 'errors', title: 'errors', num: true }
        ], d.ports, 'No completion port.'),
        el('h3', { text: 'Pending operations' }),
        table('courier-table-operations', [
          { key: 'port', title: 'port', num: true }, { key: 'operation', title: 'operation' },
          { key: 'socket', title: 'socket' }, { key: 'transferred', title: 'transferred', num: true },
          { key: 'length', title: 'length', num: true }, { key: 'handle', title: 'handle' }
        ], ops, 'No operation is pending.')
      ]);
    },
    shm: function (d) {
      replace(content, [
        el('h3', { text: 'Shared memory objects (/dev/shmem)' }),
        table('courier-table-objects', [
          { key: 'name', title: 'name' }, { key: 'size', title: 'size', num: true }, { key: 'mode', title: 'mode' },
          { key: 'uid', title: 'uid', num: true }, { key: 'gid', title: 'gid', num: true },
          { key: 'mappings', title: 'mappings', num: true }, { key: 'ino', title: 'ino', num: true }
        ], d.objects, 'No named shared memory object.'),
        el('h3', { text: 'Mappings' }),
        table('courier-table-mappings', [
          { key: 'pid', title: 'pid', num: true }, { key: 'process', title: 'process' }, { key: 'name', title: 'object' },
          { key: 'offset', title: 'offset', num: true }, { key: 'length', title: 'length', num: true },
          { key: 'prot', title: 'prot' }, { key: 'flags', title: 'flags' }
        ], d.mappings, 'No mapping.')
      ]);
    },
    paths: function (d) {
      replace(content, [table('courier-table-paths', [
        { key: 'path', title: 'path' }, { key: 'mode', title: 'mode' }, { key: 'flags', title: 'flags' },
        { key: 'pid', title: 'pid', num: true }, { key: 'process', title: 'process' },
        { key: 'chid', title: 'chid', num: true }, { key: 'uid', title: 'uid', num: true },
        { key: 'gid', title: 'gid', num: true }
      ], d.mounts, 'Nothing is attached.')]);
    }
  };

  function replace(parent, children) {
    parent.textContent = '';
    children.forEach(function (c) {
      parent.appendChild(c);
    });
  }

  function draw(data) {
    (drawers[page] || function () {})(data);
  }

  // ---------------------------------------------------------------- processes: pidin, paged

  var filter;
  if (page === 'processes') {
    var debounce = null;
    filter = el('input', { type: 'search', id: 'courier-filter', placeholder: 'filter: process, thread, pid, state',
      size: '36', oninput: function () {
        clearTimeout(debounce);
        debounce = setTimeout(function () {
          state.params.q = filter.value.trim();
          state.params.offset = 0;
          load();
        }, 300);
      } });
    var size = el('select', { id: 'courier-page-size', onchange: function () {
      state.params.limit = Number(size.value);
      state.params.offset = 0;
      load();
    } }, [50, 100, 500, 1000].map(function (n) {
      var o = el('option', { value: String(n), text: n + ' rows' });
      if (n === state.params.limit) {
        o.selected = true;
      }
      return o;
    }));
    replace(controls, [el('div', { cls: 'courier-bar' }, [filter, size])]);
  }

  function pageTo(offset) {
    var d = state.data;
    var last = Math.max(0, Math.floor((d.matched - 1) / d.limit) * d.limit);
    state.params.offset = Math.min(Math.max(0, offset), last);
    load();
  }

  function drawProcesses(d) {
    var chips = Object.keys(d.states).filter(function (s) {
      return d.states[s] > 0;
    }).map(function (s) {
      return el('button', { type: 'button', cls: 'chip' + (d.state === s ? ' active' : ''), 'data-state': s,
        text: s + ' ' + num(d.states[s]), onclick: function () {
          state.params.state = state.params.state === s ? '' : s;
          state.params.offset = 0;
          load();
        } });
    });
    var first = d.matched === 0 ? 0 : d.offset + 1;
    var lastRow = d.offset + d.rows.length;
    var pager = el('span', { cls: 'pager', id: 'courier-pager' }, [
      el('button', { type: 'button', id: 'courier-first', text: '\u00ab', onclick: function () { pageTo(0); } }),
      el('button', { type: 'button', id: 'courier-prev', text: '\u2039', onclick: function () { pageTo(d.offset - d.limit); } }),
      el('span', { id: 'courier-range', text: ' rows ' + num(first) + '\u2013' + num(lastRow) + ' of ' + num(d.matched) + ' ' }),
      el('button', { type: 'button', id: 'courier-next', text: '\u203a', onclick: function () { pageTo(d.offset + d.limit); } }),
      el('button', { type: 'button', id: 'courier-last', text: '\u00bb', onclick: function () { pageTo(d.matched); } })
    ]);
    replace(content, [
      el('p', { id: 'courier-summary' }, [num(d.processes) + ' processes, ' + num(d.threads) + ' threads: '].concat(chips)),
      pager,
      table('courier-table-processes', [
        { key: 'pid', title: 'pid', num: true }, { key: 'process', title: 'process' },
        { key: 'tid', title: 'tid', num: true }, { key: 'thread', title: 'thread' },
        { key: 'priority', title: 'prio', num: true }, { key: 'state', title: 'STATE', fmt: stateCell },
        { key: 'blockedOn', title: 'blocked on', fmt: function (r) {
          if (r.blockedOn === null) {
            return '';
          }
          if (r.state === 'RECEIVE') {
            return 'chid ' + r.blockedOn;
          }
          return r.blockedOnProcess ? r.blockedOn + ' ' + r.blockedOnProcess : String(r.blockedOn);
        } },
        { key: 'channels', title: 'channels', num: true }, { key: 'connections', title: 'connections', num: true }
      ], d.rows, 'No thread matches.')
    ]);
  }

  // ---------------------------------------------------------------- node: its JVMs and processes; the network

  /** A pid as pidin prints it: all its digits, no grouping. */
  function plain(key) {
    return function (r) {
      return r[key] === null || r[key] === undefined ? '' : String(r[key]);
    };
  }

  function drawNode(d) {
    var n = d.node;
    var net = d.network;
    var parts = [el('h3', { text: 'Node' })];
    if (!n.joined) {
      parts.push(el('p', { cls: 'empty', id: 'courier-node-none', text: 'Not in a node: this JVM (OS pid ' + n.osPid
        + ') runs alone. Its processes are on the Processes page.' }));
    } else {
      parts.push(el('p', { id: 'courier-node-summary', text: 'Node ' + n.name + ': ' + n.jvms.length
        + (n.jvms.length === 1 ? ' JVM, ' : ' JVMs, ') + num(n.processCount) + ' processes. This JVM: slot ' + n.slot
        + ', OS pid ' + n.osPid + '.' }));
      parts.push(table('courier-table-jvms', [
        { key: 'slot', title: 'slot', num: true },
        { key: 'osPid', title: 'OS pid', num: true, fmt: plain('osPid') },
        { key: 'self', title: '', fmt: function (r) {
          return r.self ? el('span', { cls: 'self', text: 'this JVM' }) : '';
        } },
        { key: 'processes', title: 'processes', num: true },
        { key: 'joined', title: 'joined' }
      ], n.jvms, 'No JVM is in the node.'));
      parts.push(el('h3', { text: 'Processes of the node' }));
      if (n.processCount > n.processes.length) {
        parts.push(el('p', { cls: 'empty', text: 'The first ' + num(n.processes.length) + ' of ' + num(n.processCount)
          + ' are listed.' }));
      }
      parts.push(table('courier-table-node-processes', [
        { key: 'osPid', title: 'JVM (OS pid)', num: true, fmt: function (r) {
          return r.self ? el('span', { cls: 'self', text: String(r.osPid) }) : String(r.osPid);
        } },
        { key: 'slot', title: 'slot', num: true },
        { key: 'pid', title: 'pid', num: true, fmt: plain('pid') },
        { key: 'process', title: 'process' },
        { key: 'threads', title: 'threads', num: true },
        { key: 'states', title: 'states' }
      ], n.processes, 'No process.'));
    }
    parts.push(el('h3', { text: 'Network' }));
    if (!net.configured) {
      parts.push(el('p', { cls: 'empty', id: 'courier-network-none',
        text: 'No network configured: this node is on no network (conf/io.courier.net.cfg).' }));
    } else {
      var up = net.nodes.filter(function (x) {
        return !x.self && x.up;
      }).length;
      parts.push(el('p', { id: 'courier-network-summary', text: 'This node is ' + net.name + ' on the network; '
        + up + ' of ' + (net.nodes.length - 1) + ' other nodes up.' }));
      parts.push(table('courier-table-network', [
        { key: 'nd', title: 'nd', num: true },
        { key: 'name', title: 'name' },
        { key: 'address', title: 'address', fmt: function (r) {
          return r.self ? '(this node)' : show(r.address);
        } },
        { key: 'up', title: 'state', fmt: function (r) {
          return el('span', { cls: r.up ? 'node-up' : 'node-down', text: r.up ? 'up' : 'down' });
        } },
        { key: 'incarnation', title: 'incarnation' },
        { key: 'globalNames', title: 'global names' }
      ], net.nodes, 'No node.'));
    }
    replace(content, parts);
  }

  // ---------------------------------------------------------------- sends: the graph

  if (page === 'sends') {
    var level = el('select', { id: 'courier-level', onchange: function () {
      state.params.level = level.value;
      load();
    } }, [['auto', 'by thread, or by process when large'], ['thread', 'by thread'], ['process', 'by process']]
      .map(function (l) {
        return el('option', { value: l[0], text: l[1] });
      }));
    replace(controls, [el('div', { cls: 'courier-bar' }, [el('label', null, ['Draw ', level]), legend()])]);
  }

  function legend() {
    function sample(cls) {
      var s = svg('svg', { width: 36, height: 10 });
      s.appendChild(svg('line', { x1: 0, y1: 5, x2: 36, y2: 5, 'class': 'edge ' + cls }));
      return s;
    }
    return el('span', { cls: 'legend' }, [
      el('span', null, [sample('SEND'), ' SEND-blocked (not yet received)']),
      el('span', null, [sample('REPLY'), ' REPLY-blocked (received, no reply)']),
      el('span', null, [sample('REFUSED'), ' send refused (EDEADLK)']),
      el('span', null, [sample('REPLY cycle'), ' in a send cycle'])
    ]);
  }

  var NODE_W = 190;
  var NODE_H = 40;
  var COL_W = 260;
  var ROW_H = 56;
  var MARGIN = 24;

  /** Layers: longest path from the clients, over the edges that close no cycle (found by DFS). */
  function layout(nodes, edges) {
    var byId = {};
    var out = {};
    nodes.forEach(function (n) {
      byId[n.id] = n;
      n.layer = 0;
      out[n.id] = [];
    });
    edges.forEach(function (e) {
      if (e.kind !== 'REFUSED' && e.from !== e.to) {
        out[e.from].push(e);
      }
    });
    var mark = {};
    var order = [];
    nodes.forEach(function (n) {
      if (mark[n.id]) {
        return;
      }
      var stack = [[n.id, 0]];
      mark[n.id] = 1;
      while (stack.length) {
        var top = stack[stack.length - 1];
        var list = out[top[0]];
        if (top[1] < list.length) {
          var e = list[top[1]++];
          if (mark[e.to] === 1) {
            e.back = true;
          } else if (!mark[e.to]) {
            mark[e.to] = 1;
            stack.push([e.to, 0]);
          }
        } else {
          mark[top[0]] = 2;
          order.push(top[0]);
          stack.pop();
        }
      }
    });
    order.reverse().forEach(function (id) {
      out[id].forEach(function (e) {
        if (!e.back) {
          byId[e.to].layer = Math.max(byId[e.to].layer, byId[id].layer + 1);
        }
      });
    });
    var layers = [];
    nodes.forEach(function (n) {
      (layers[n.layer] = layers[n.layer] || []).push(n);
    });
    layers = layers.filter(Boolean);
    // Order each layer by the mean place of its neighbours in the layer before (one sweep).
    var preds = {};
    edges.forEach(function (e) {
      (preds[e.to] = preds[e.to] || []).push(e.from);
    });
    layers.forEach(function (layer, i) {
      layer.forEach(function (n, k) {
        n.place = k;
      });
      if (i > 0) {
        layer.forEach(function (n) {
          var p = (preds[n.id] || []).filter(function (id) {
            return byId[id].layer < n.layer;
          });
          n.weight = p.length ? p.reduce(function (s, id) { return s + byId[id].place; }, 0) / p.length : n.place;
        });
        layer.sort(function (a, b) { return a.weight - b.weight; });
        layer.forEach(function (n, k) {
          n.place = k;
        });
      }
    });
    layers.forEach(function (layer, i) {
      layer.forEach(function (n, k) {
        n.x = MARGIN + i * COL_W;
        n.y = MARGIN + k * ROW_H;
      });
    });
    var tallest = layers.reduce(function (m, l) { return Math.max(m, l.length); }, 0);
    var backs = edges.filter(function (e) {
      return e.from !== e.to && byId[e.to].layer <= byId[e.from].layer;
    }).length;
    // Edges back to an earlier layer run above every box: room for them on top.
    var band = backs ? 30 + 16 * backs : 0;
    nodes.forEach(function (n) {
      n.y += band;
    });
    return { byId: byId, band: band, width: MARGIN * 2 + Math.max(1, layers.length) * COL_W,
      height: MARGIN * 2 + tallest * ROW_H + band };
  }

  function cut(s, n) {
    s = String(s);
    return s.length > n ? s.substring(0, n - 1) + '\u2026' : s;
  }

  function nodeFill(n) {
    if (n.kind === 'process') {
      return '#eeeeee';
    }
    return { SEND: '#fde9c8', REPLY: '#dbe7fb', RECEIVE: '#e3f4e1' }[n.state] || '#f4f4f4';
  }

  function drawGraph(d) {
    var g = layout(d.nodes, d.edges);
    var s = svg('svg', { id: 'courier-graph', width: g.width, height: g.height, viewBox: '0 0 ' + g.width + ' ' + g.height,
      'data-nodes': d.nodes.length, 'data-edges': d.edges.length, 'data-level': d.level });
    var defs = svg('defs');
    [['SEND', '#d08000'], ['REPLY', '#2060c0'], ['REFUSED', '#c00000'], ['cycle', '#c00000']].forEach(function (m) {
      var marker = svg('marker', { id: 'courier-arrow-' + m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
        markerHeight: 7, orient: 'auto-start-reverse' });
      marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }));
      defs.appendChild(marker);
    });
    s.appendChild(defs);
    var backs = 0;
    d.edges.forEach(function (e) {
      var a = g.byId[e.from];
      var b = g.byId[e.to];
      var path;
      var lx;
      var ly;
      if (a === b) {
        var sx = a.x + NODE_W;
        var sy = a.y + NODE_H / 2;
        path = 'M' + sx + ',' + (sy - 8) + ' C' + (sx + 40) + ',' + (sy - 30) + ' ' + (sx + 40) + ',' + (sy + 30) + ' '
          + sx + ',' + (sy + 8);
        lx = sx + 34;
        ly = sy;
      } else if (b.layer > a.layer) {
        var x1 = a.x + NODE_W;
        var y1 = a.y + NODE_H / 2;
        var x2 = b.x;
        var y2 = b.y + NODE_H / 2;
        var dx = Math.max(30, (x2 - x1) / 2);
        path = 'M' + x1 + ',' + y1 + ' C' + (x1 + dx) + ',' + y1 + ' ' + (x2 - dx) + ',' + y2 + ' ' + x2 + ',' + y2;
        lx = (x1 + x2) / 2;
        ly = (y1 + y2) / 2 - 4;
      } else {
        // Back to an earlier layer (a refused send, or an edge of a cycle): above the boxes,
        // each a little higher than the last.
        var bx1 = a.x + NODE_W / 2;
        var by1 = a.y;
        var bx2 = b.x + NODE_W / 2 + 12;
        var by2 = b.y;
        var high = MARGIN + g.band - 30 - 16 * backs++;
        var top = (high - (by1 + by2) / 8) / 0.75;
        path = 'M' + bx1 + ',' + by1 + ' C' + bx1 + ',' + top + ' ' + bx2 + ',' + top + ' ' + bx2 + ',' + by2;
        lx = (bx1 + bx2) / 2;
        ly = high - 4;
      }
      var cls = 'edge ' + e.kind + (e.cycle ? ' cycle' : '');
      var line = svg('path', { d: path, 'class': cls, 'data-from': e.from, 'data-to': e.to, 'data-kind': e.kind,
        'marker-end': 'url(#courier-arrow-' + (e.cycle ? 'cycle' : e.kind) + ')' });
      line.appendChild(svg('title', {}, e.from + ' \u2192 ' + e.to + ': ' + e.kind + (e.count > 1 ? ' \u00d7' + e.count : '')));
      s.appendChild(line);
      var label = e.kind === 'REFUSED' ? 'refused (EDEADLK)' : e.count > 1 ? e.kind + ' \u00d7' + num(e.count) : '';
      if (label) {
        s.appendChild(svg('text', { x: lx, y: ly, 'class': 'edge-label', 'text-anchor': 'middle' }, label));
      }
    });
    d.nodes.forEach(function (n) {
      var grp = svg('g', { 'class': 'node' + (n.cycle ? ' cycle' : ''), 'data-id': n.id, 'data-pid': n.pid,
        transform: 'translate(' + n.x + ',' + n.y + ')' });
      grp.appendChild(svg('rect', { width: NODE_W, height: NODE_H, rx: 6, ry: 6, fill: nodeFill(n) }));
      var top;
      var bottom;
      if (n.kind === 'thread') {
        top = cut(n.process, 22) + '  ' + n.pid + '/' + n.tid;
        bottom = n.state + (n.priority !== null && n.priority !== undefined ? ' \u00b7 prio ' + n.priority : '') + ' \u00b7 '
          + cut(n.thread, 14);
      } else {
        top = cut(n.process, 24) + '  pid ' + n.pid;
        var threads = num(n.threads) + (n.threads === 1 ? ' thread' : ' threads');
        bottom = n.blocked ? num(n.blocked) + ' of ' + threads + ' blocked' : threads;
      }
      grp.appendChild(svg('text', { x: 8, y: 16 }, top));
      grp.appendChild(svg('text', { x: 8, y: 32 }, bottom));
      grp.appendChild(svg('title', {}, n.process + ' (pid ' + n.pid + (n.kind === 'thread' ? ', tid ' + n.tid + ' ' + n.thread
        + ', ' + n.state : '') + ')'));
      s.appendChild(grp);
    });
    return s;
  }

  function drawSends(d) {
    var parts = [];
    var why = d.level === 'process' && d.threadNodes > d.threadLimit
      ? ' (more than ' + d.threadLimit + ' threads to draw: drawn by process)' : '';
    parts.push(el('p', { id: 'courier-summary', text: num(d.blocked) + ' threads SEND- or REPLY-blocked; drawn by '
      + d.level + why + '. ' + (d.cycles.length ? d.cycles.length + ' send cycle(s) now. ' : '')
      + (d.refused.length ? d.refused.length + ' send(s) refused as cycles (EDEADLK) recently.' : '') }));
    if (d.nodes.length) {
      parts.push(el('div', { cls: 'graph-wrap' }, [drawGraph(d)]));
    } else {
      parts.push(el('p', { cls: 'empty', id: 'courier-graph-empty', text: 'No thread is SEND- or REPLY-blocked.' }));
    }
    parts.push(el('h3', { text: 'Sends refused because they would have closed a cycle (K19)' }));
    parts.push(table('courier-table-refused', [
      { key: 'at', title: 'refused at' }, { key: 'text', title: 'cycle' },
      { key: 'current', title: 'still standing', fmt: function (r) {
        return r.highlighted ? 'yes (highlighted)' : r.current ? 'yes' : 'no';
      } }
    ], d.refused, 'None refused.'));
    replace(content, parts);
  }

  load();
})();

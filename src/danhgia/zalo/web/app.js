/* danhgia — the chat page of the local Zalo server (`danhgia.zalo.sandbox`).
 *
 * Looks like a Zalo chat: pick a person on the side and chat with the bot as that person. Everything lives on the
 * sandbox (a person's chat with the bot has the person's id); this page only renders it and long-polls
 * /zalo/api/wait for changes. Zalo shows plain text only, so every text is put in the page as text (never
 * innerHTML); http(s) addresses become links. The bot has no buttons on Zalo: its choices are numbered lines
 * ("1 · ✅ Duyệt") answered by typing the number. The page repeats the latest panel's choices as chips that type
 * that number for the person — a shortcut a real Zalo user does not have, hence their quiet "gõ nhanh" label.
 *
 * Page parameters: `?user=<id>` opens that person's chat; `?switch=<url>` shows "Chuyển sang Telegram" there.
 * No build step, no external resources.
 */
'use strict';

(() => {
  const API = '/zalo/api';
  const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  const AVATAR_COLOURS = 6;
  const TYPING_SHOWN_MS = 6000;
  const GROUP_GAP_MS = 5 * 60 * 1000;
  const STORAGE_KEY = `danhgia-zalo-read:${location.host}`;
  const NUMBERED = /^\s*(\d{1,3})\s*·\s*(\S.*?)\s*$/;
  const VALUES = /^\s*Gõ một giá trị:\s*(.+?)\s*$/;
  const URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  const FILE_EXT = /\.(docx?|xlsx?|pptx?|pdf|csv|zip|txt|odt|ods)$/i;

  const state = {
    bot: { id: '', account_name: 'Bot' },
    users: [], // {id, display_name, wrote_to_bot}
    chats: new Map(), // user id -> messages, oldest first
    typing: {}, // chat id -> when the bot last showed "typing…" (ms)
    typingSeen: new Map(), // chat id -> the typing stamp seen, and when the page saw it
    current: null, // the user id whose chat is open
    version: 0,
    lastRead: loadLastRead(), // user id -> the highest bot message seq read
    rendered: [], // message ids in the order rendered in the open chat
    renderedFor: null,
    newBelow: 0, // bot messages that arrived while the chat was scrolled up
    stick: true, // whether the open chat follows its newest message (it was at the bottom)
    refreshing: null,
    refreshAgain: false,
    sending: 0,
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // A message that grows once shown (a photo loaded, a font arrived) keeps a chat that followed its end at the end.
  const growth = new ResizeObserver(() => {
    if (state.current !== null && state.stick) scrollToBottom();
  });

  // -- talking to the sandbox ---------------------------------------------------------------------------

  async function api(path, body) {
    const init = { method: 'GET', headers: {} };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) throw new Error((data && data.error) || response.statusText || String(response.status));
    return data;
  }

  function loadLastRead() {
    try {
      return new Map(Object.entries(JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}')));
    } catch (_) {
      return new Map();
    }
  }

  function saveLastRead() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(state.lastRead)));
    } catch (_) {
      /* private mode: the unread counts last only as long as the page */
    }
  }

  async function refresh() {
    if (state.refreshing) {
      state.refreshAgain = true;
      return state.refreshing;
    }
    state.refreshing = (async () => {
      do {
        state.refreshAgain = false;
        const sandbox = await api('/state');
        const chats = await Promise.all(
          sandbox.users.map((user) =>
            user.wrote_to_bot || state.chats.has(user.id)
              ? api(`/chats/${encodeURIComponent(user.id)}/messages`).then((data) => data.messages)
              : Promise.resolve([]),
          ),
        );
        state.version = sandbox.version;
        state.bot = sandbox.bot;
        state.users = sandbox.users;
        state.typing = sandbox.typing || {};
        state.chats = new Map(sandbox.users.map((user, i) => [user.id, chats[i]]));
        noteTyping();
        render();
      } while (state.refreshAgain);
    })();
    try {
      await state.refreshing;
    } finally {
      state.refreshing = null;
    }
  }

  async function poll() {
    let delay = 500;
    for (;;) {
      try {
        const answer = await api(`/wait?since=${state.version}&timeout=25`);
        if (answer.version !== state.version) await refresh();
        $('offline').hidden = true;
        delay = 500;
      } catch (_) {
        $('offline').hidden = false;
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  // -- people ---------------------------------------------------------------------------------------------

  function user(id) {
    return state.users.find((u) => u.id === id) || null;
  }

  function initials(name) {
    const words = String(name || '?').trim().split(/\s+/);
    const letters = words.length > 1 ? words[words.length - 2][0] + words[words.length - 1][0] : words[0].slice(0, 2);
    return letters.toUpperCase();
  }

  function avatarColour(id) {
    let hash = 0;
    for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    return hash % AVATAR_COLOURS;
  }

  function fillAvatar(node, person) {
    node.textContent = initials(person.display_name);
    node.dataset.colour = String(avatarColour(person.id));
  }

  function unread(userId) {
    const seen = Number(state.lastRead.get(userId) || 0);
    return (state.chats.get(userId) || []).filter((m) => m.from_bot && m.seq > seen).length;
  }

  function markRead(userId) {
    const messages = state.chats.get(userId) || [];
    const top = messages.reduce((max, m) => (m.from_bot ? Math.max(max, m.seq) : max), 0);
    if (top > Number(state.lastRead.get(userId) || 0)) {
      state.lastRead.set(userId, top);
      saveLastRead();
    }
  }

  function preview(message) {
    if (!message) return null;
    let text;
    if (message.kind === 'text') text = firstLine(message.text);
    else if (message.kind === 'image') text = message.caption ? `[Hình ảnh] ${firstLine(message.caption)}` : '[Hình ảnh]';
    else if (message.kind === 'sticker') text = '[Nhãn dán]';
    else text = '[Tin nhắn không hỗ trợ]';
    return message.from_bot ? text : `Bạn: ${text}`;
  }

  function firstLine(text) {
    return String(text || '').split('\n').find((line) => line.trim()) || '';
  }

  function renderPeople() {
    const list = $('people');
    list.replaceChildren();
    $('people-empty').hidden = state.users.length > 0;
    for (const person of state.users) {
      const messages = state.chats.get(person.id) || [];
      const last = messages[messages.length - 1];
      const row = el('button', 'person');
      row.type = 'button';
      row.dataset.userId = person.id;
      if (person.id === state.current) {
        row.classList.add('active');
        row.setAttribute('aria-current', 'true');
      }
      const avatar = el('span', 'avatar');
      avatar.setAttribute('aria-hidden', 'true');
      fillAvatar(avatar, person);
      const body = el('span', 'person-body');
      const top = el('span', 'person-top');
      top.append(el('span', 'person-name', person.display_name));
      if (last) top.append(el('span', 'person-time', shortTime(last.date)));
      const bottom = el('span', 'person-bottom');
      const line = el('span', 'person-preview', preview(last) || 'Chưa có tin nhắn');
      if (!last) line.classList.add('muted');
      bottom.append(line);
      const count = person.id === state.current && !document.hidden ? 0 : unread(person.id);
      if (count > 0) {
        row.classList.add('has-unread');
        bottom.append(el('span', 'badge', count > 99 ? '99+' : String(count)));
      }
      body.append(top, bottom);
      row.append(avatar, body);
      row.addEventListener('click', () => openChat(person.id, true));
      list.append(row);
    }
  }

  // -- the chat -----------------------------------------------------------------------------------------

  function isPhone() {
    return window.matchMedia('(max-width: 720px)').matches;
  }

  function openChat(userId, push) {
    const person = user(userId);
    if (!person) return;
    if (push) {
      const url = pageUrl(userId);
      if (state.current === null) history.pushState({ user: userId }, '', url);
      else history.replaceState({ user: userId }, '', url);
    }
    state.current = userId;
    state.rendered = [];
    state.renderedFor = null;
    state.newBelow = 0;
    $('app').dataset.view = 'chat';
    $('chat-empty').hidden = true;
    $('chat-head').hidden = false;
    $('messages').hidden = false;
    $('composer').hidden = false;
    render();
    scrollToBottom();
    if (!isPhone()) $('text').focus({ preventScroll: true });
  }

  function showList() {
    state.current = null;
    state.renderedFor = null;
    $('app').dataset.view = 'list';
    $('chat-empty').hidden = false;
    $('chat-head').hidden = true;
    $('messages').hidden = true;
    $('composer').hidden = true;
    $('scroll-down').hidden = true;
    renderPeople();
  }

  function pageUrl(userId) {
    const params = new URLSearchParams(location.search);
    if (userId === null) params.delete('user');
    else params.set('user', userId);
    const query = params.toString();
    return location.pathname + (query ? `?${query}` : '');
  }

  function routeFromUrl() {
    const wanted = new URLSearchParams(location.search).get('user');
    if (wanted && user(wanted)) {
      if (wanted !== state.current) openChat(wanted, false);
    } else if (state.current !== null) showList();
  }

  function render() {
    if (state.current === null) {
      renderPeople();
      return;
    }
    const person = user(state.current);
    if (!person) {
      history.replaceState(null, '', pageUrl(null));
      showList();
      return;
    }
    renderHead(person);
    renderMessages(person);
    if (!document.hidden) markRead(person.id);
    renderPeople();
  }

  function renderOpenHead() {
    const person = state.current === null ? null : user(state.current);
    if (person) renderHead(person);
  }

  function renderHead(person) {
    fillAvatar($('head-avatar'), person);
    $('head-name').textContent = person.display_name;
    const sub = $('head-sub');
    if (isTyping(person.id)) {
      sub.textContent = 'Bot đang soạn tin…';
      sub.classList.add('typing');
    } else {
      sub.textContent = `Nhắn tin với ${state.bot.account_name || 'bot'}`;
      sub.classList.remove('typing');
    }
  }

  function noteTyping() {
    const now = Date.now();
    for (const [chat, stamp] of Object.entries(state.typing)) {
      const seen = state.typingSeen.get(chat);
      if (!seen || seen.stamp !== stamp) {
        state.typingSeen.set(chat, { stamp, at: now });
        setTimeout(renderOpenHead, TYPING_SHOWN_MS + 50);
      }
    }
  }

  function isTyping(chatId) {
    const seen = state.typingSeen.get(chatId);
    return Boolean(state.typing[chatId] && seen && Date.now() - seen.at < TYPING_SHOWN_MS);
  }

  function nearBottom() {
    const box = $('messages');
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function scrollToBottom() {
    const box = $('messages');
    box.scrollTop = box.scrollHeight;
    state.stick = true;
    state.newBelow = 0;
    updateScrollButton();
  }

  function updateScrollButton() {
    const button = $('scroll-down');
    const away = !nearBottom();
    button.hidden = state.current === null || !away;
    if (!away) state.newBelow = 0;
    $('scroll-down-count').hidden = state.newBelow === 0;
    $('scroll-down-count').textContent = String(state.newBelow);
  }

  function renderMessages(person) {
    const box = $('messages');
    const messages = state.chats.get(person.id) || [];
    const fresh =
      state.renderedFor !== person.id ||
      state.rendered.length > messages.length ||
      state.rendered.some((id, i) => messages[i].message_id !== id);
    const wasAtBottom = fresh || nearBottom();
    if (fresh) {
      growth.disconnect();
      box.replaceChildren();
      state.rendered = [];
      state.renderedFor = person.id;
      if (!messages.length) box.append(emptyHint(person));
    }
    const added = messages.slice(state.rendered.length);
    if (added.length && !state.rendered.length) box.replaceChildren();
    for (const message of added) {
      const index = state.rendered.length;
      const previous = index > 0 ? messages[index - 1] : null;
      if (!previous || dayKey(previous.date) !== dayKey(message.date)) box.append(daySeparator(message.date));
      const row = messageRow(message, previous);
      box.append(row);
      growth.observe(row);
      state.rendered.push(message.message_id);
      if (!fresh && !wasAtBottom && message.from_bot) state.newBelow += 1;
    }
    updateChips(messages);
    if (wasAtBottom) scrollToBottom();
    else updateScrollButton();
  }

  function emptyHint(person) {
    const hint = el('div', 'chat-hint');
    hint.append(
      el('strong', null, `${person.display_name} chưa nhắn tin cho bot.`),
      el('span', null, 'Trên Zalo bot chỉ trả lời người đã nhắn cho nó trước: hãy gửi một tin nhắn để bắt đầu.'),
    );
    return hint;
  }

  function dayKey(ms) {
    const d = new Date(ms);
    return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  }

  const pad = (n) => String(n).padStart(2, '0');

  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function shortTime(ms) {
    const d = new Date(ms);
    if (dayKey(ms) === dayKey(Date.now())) return clock(ms);
    return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}`;
  }

  function daySeparator(ms) {
    const d = new Date(ms);
    const yesterday = new Date();
    yesterday.setDate(yesterday.getDate() - 1);
    let label;
    if (dayKey(ms) === dayKey(Date.now())) label = 'Hôm nay';
    else if (dayKey(ms) === dayKey(yesterday.getTime())) label = 'Hôm qua';
    else label = `${WEEKDAYS[d.getDay()]}, ${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
    const row = el('div', 'day');
    row.append(el('span', null, label));
    return row;
  }

  function messageRow(message, previous) {
    const row = el('div', `msg ${message.from_bot ? 'in' : 'out'}`);
    row.dataset.messageId = message.message_id;
    row.dataset.seq = String(message.seq);
    const continues =
      previous &&
      previous.from_bot === message.from_bot &&
      dayKey(previous.date) === dayKey(message.date) &&
      message.date - previous.date < GROUP_GAP_MS;
    if (continues) row.classList.add('continued');
    if (message.from_bot) {
      const avatar = el('span', 'avatar avatar-bot');
      avatar.setAttribute('aria-hidden', 'true');
      avatar.textContent = 'ĐG';
      if (continues) avatar.classList.add('spacer');
      row.append(avatar);
    }
    const column = el('div', 'msg-column');
    const bubble = el('div', `bubble kind-${message.kind}`);
    if (message.kind === 'image') bubble.append(photo(message.photo));
    if (message.kind === 'sticker') {
      bubble.append(el('span', 'sticker-face', '🙂'), el('span', 'sticker-label', 'Nhãn dán'));
    }
    if (message.kind === 'unsupported') {
      bubble.append(el('span', 'unsupported', 'Tin nhắn bot không đọc được (tin thoại, tệp, …)'));
    }
    const text = message.kind === 'image' ? message.caption : message.text;
    if (text) {
      const body = el('div', 'text');
      appendLinkified(body, text);
      bubble.append(body);
      for (const url of text.match(URL_RE) || []) {
        const card = fileCard(trimUrl(url));
        if (card) bubble.append(card);
      }
    }
    bubble.append(el('time', 'meta', clock(message.date)));
    column.append(bubble);
    if (message.from_bot && text) {
      const chips = choiceChips(text);
      if (chips) column.append(chips);
    }
    row.append(column);
    return row;
  }

  function photo(url) {
    const frame = el('a', 'photo');
    const safe = httpUrl(url);
    if (safe) {
      frame.href = safe;
      frame.target = '_blank';
      frame.rel = 'noopener noreferrer';
    }
    const image = el('img');
    image.alt = 'Hình ảnh';
    image.loading = 'lazy';
    image.addEventListener('error', () => {
      frame.classList.add('broken');
      image.remove();
      frame.append(el('span', 'photo-broken', 'Không tải được ảnh'));
    });
    if (safe) image.src = safe;
    frame.append(image);
    return frame;
  }

  function httpUrl(raw) {
    try {
      const url = new URL(String(raw || ''));
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function trimUrl(url) {
    let trimmed = url.replace(/[.,;:!?'"»]+$/, '');
    while (trimmed.endsWith(')') && (trimmed.match(/\(/g) || []).length < (trimmed.match(/\)/g) || []).length) {
      trimmed = trimmed.slice(0, -1).replace(/[.,;:!?]+$/, '');
    }
    return trimmed;
  }

  function appendLinkified(node, text) {
    let at = 0;
    for (const match of text.matchAll(URL_RE)) {
      const url = trimUrl(match[0]);
      const safe = httpUrl(url);
      if (!safe) continue;
      node.append(document.createTextNode(text.slice(at, match.index)));
      const link = el('a', 'link', url);
      link.href = safe;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      node.append(link);
      at = match.index + url.length;
    }
    node.append(document.createTextNode(text.slice(at)));
  }

  function fileCard(url) {
    const safe = httpUrl(url);
    if (!safe) return null;
    const path = new URL(safe).pathname;
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (!FILE_EXT.test(last)) return null;
    let name = last;
    try {
      name = decodeURIComponent(last);
    } catch (_) {
      /* keep it as written */
    }
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    const card = el('a', 'file-card');
    card.href = safe;
    card.target = '_blank';
    card.rel = 'noopener noreferrer';
    const icon = el('span', `file-icon ext-${ext.replace(/x$/, '')}`, ext.toUpperCase());
    icon.setAttribute('aria-hidden', 'true');
    const body = el('span', 'file-body');
    body.append(el('span', 'file-name', name), el('span', 'file-hint', 'Nhấn để tải về'));
    card.append(icon, body);
    return card;
  }

  // -- numbered choices as chips ------------------------------------------------------------------------

  function choices(text) {
    const found = [];
    for (const line of String(text).split('\n')) {
      const values = VALUES.exec(line);
      if (values) {
        for (const value of values[1].split('·').map((v) => v.trim()).filter(Boolean)) {
          found.push({ answer: value, number: null, label: value });
        }
        continue;
      }
      const numbered = NUMBERED.exec(line);
      if (numbered) found.push({ answer: numbered[1], number: numbered[1], label: numbered[2] });
    }
    return found;
  }

  function choiceChips(text) {
    const found = choices(text);
    if (!found.length) return null;
    const box = el('div', 'chips');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Gõ nhanh một lựa chọn');
    const hint = el('span', 'chips-hint', 'gõ nhanh');
    hint.title = 'Lối tắt của trang chạy thử: bấm để gõ số này (người dùng Zalo thật tự gõ số).';
    box.append(hint);
    for (const choice of found) {
      const chip = el('button', 'chip');
      chip.type = 'button';
      chip.dataset.answer = choice.answer;
      if (choice.number !== null) {
        chip.append(el('span', 'chip-number', choice.number), el('span', 'chip-label', choice.label));
        chip.setAttribute('aria-label', `Gõ ${choice.number}: ${choice.label}`);
      } else {
        chip.classList.add('chip-value');
        chip.append(el('span', 'chip-label', choice.label));
        chip.setAttribute('aria-label', `Gõ ${choice.label}`);
      }
      box.append(chip);
    }
    return box;
  }

  /** Only the chat's latest panel (the last bot message with choices) answers a number: older chips rest. */
  function updateChips(messages) {
    let latest = null;
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      const m = messages[i];
      if (m.from_bot && choices((m.kind === 'image' ? m.caption : m.text) || '').length) {
        latest = m.message_id;
        break;
      }
    }
    for (const row of $('messages').querySelectorAll('.msg.in')) {
      const chips = row.querySelector('.chips');
      if (!chips) continue;
      const live = row.dataset.messageId === latest;
      chips.classList.toggle('stale', !live);
      for (const chip of chips.querySelectorAll('.chip')) {
        chip.disabled = !live;
        chip.title = live ? `Gõ “${chip.dataset.answer}”` : 'Bot chỉ hiểu lựa chọn của tin nhắn mới nhất';
      }
    }
  }

  // -- sending ------------------------------------------------------------------------------------------

  async function sendText(text) {
    const userId = state.current;
    if (userId === null || !text.trim()) return false;
    return send(userId, 'text', { text });
  }

  async function send(userId, action, body) {
    state.sending += 1;
    try {
      await api(`/users/${encodeURIComponent(userId)}/${action}`, body);
      state.stick = true;
      await refresh();
      if (state.current === userId) scrollToBottom();
      return true;
    } catch (error) {
      toast(`Không gửi được: ${error.message}`);
      return false;
    } finally {
      state.sending -= 1;
    }
  }

  async function submitComposer() {
    const box = $('text');
    const text = box.value;
    if (!text.trim()) return;
    box.value = '';
    autoGrow();
    if (!(await sendText(text))) box.value = text;
    autoGrow();
  }

  function autoGrow() {
    const box = $('text');
    box.style.height = 'auto';
    box.style.height = `${Math.min(box.scrollHeight, 140)}px`;
  }

  let toastTimer = null;

  function toast(text) {
    const node = $('toast');
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      node.hidden = true;
    }, 4000);
  }

  // -- the switch to Telegram ---------------------------------------------------------------------------

  function setUpSwitch() {
    const target = new URLSearchParams(location.search).get('switch');
    const link = $('switch');
    let safe = null;
    if (target) {
      try {
        const url = new URL(target, location.href);
        if (url.protocol === 'http:' || url.protocol === 'https:') safe = url.href;
      } catch (_) {
        safe = null;
      }
    }
    link.hidden = safe === null;
    link.closest('.topbar').classList.toggle('has-switch', safe !== null);
    if (safe !== null) link.href = safe;
  }

  // -- start --------------------------------------------------------------------------------------------

  async function start() {
    setUpSwitch();
    $('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      submitComposer();
      $('text').focus({ preventScroll: true });
    });
    $('text').addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitComposer();
      }
    });
    $('text').addEventListener('input', autoGrow);
    $('sticker').addEventListener('click', () => {
      if (state.current !== null) send(state.current, 'sticker', {});
    });
    $('back').addEventListener('click', () => {
      if (history.state && history.state.user) history.back();
      else {
        history.replaceState(null, '', pageUrl(null));
        showList();
      }
    });
    $('messages').addEventListener('click', (event) => {
      const chip = event.target instanceof Element ? event.target.closest('.chip') : null;
      if (chip && !chip.disabled) sendText(chip.dataset.answer);
    });
    $('messages').addEventListener(
      'scroll',
      () => {
        state.stick = nearBottom();
        updateScrollButton();
      },
      { passive: true },
    );
    $('scroll-down').addEventListener('click', () => {
      const box = $('messages');
      box.scrollTo({ top: box.scrollHeight, behavior: 'smooth' });
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && state.current !== null) {
        markRead(state.current);
        renderPeople();
      }
    });
    window.addEventListener('popstate', routeFromUrl);

    try {
      await refresh();
    } catch (error) {
      $('offline').hidden = false;
      $('offline').textContent = `Không tải được máy chủ Zalo chạy thử: ${error.message}`;
      return;
    }
    routeFromUrl();
    document.body.dataset.ready = 'true';
    poll();
  }

  start();
})();

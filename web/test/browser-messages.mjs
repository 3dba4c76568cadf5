// The messenger page (seed 003) in headless Chromium, two users in two browser contexts against a real node:
// Anna opens a direct chat from her friends list and sends; Ben's list shows it live with an unread count;
// Ben opens it (read receipt: Anna sees "seen"), types (Anna sees "is typing") and replies to her message live
// (Anna sees the quote, the typing note goes); Anna deletes her message and Ben sees the tombstone and his reply's
// quote turn into "message deleted"; Ben's socket drops and what Anna sent meanwhile arrives on reconnect; Anna
// attaches a photo and an HTML file, Ben sees the photo inline and the file as a download link; a group Anna creates
// appears in Ben's list live; Ben's search finds a message and opens the chat at it. Messages and names are shown as
// text, never markup.
// Usage: node test/browser-messages.mjs http://127.0.0.1:PORT annaUser benUser password benId annaToken
// Prints one JSON line of observations on stdout (the Java test asserts on it); exit 0 unless it crashed.
import { launch, observations, restClient, signIn } from './harness.mjs';

const [base, anna, ben, password, benId, annaToken] = process.argv.slice(2);
if (!annaToken) {
  console.error('usage: node test/browser-messages.mjs BASE ANNA BEN PASSWORD BEN_ID ANNA_TOKEN');
  process.exit(2);
}
const { result, finish, step } = observations();
const rest = restClient(base);

async function open(browser, username) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/401|Unauthorized/.test(m.text())) result.console.push(m.text()); });
  page.on('pageerror', (e) => result.console.push(String(e)));
  const status = await signIn(page, base, username, password, { next: 'messages.html' });
  if (status !== 200) throw new Error(`sign-in ${username}: ${status}`);
  await page.waitForSelector('body[data-live="1"]', { timeout: 10_000 });
  return { context, page };
}

let browser;
try {
  browser = await launch();
  result.browserVersion = browser.version();
  const a = (await open(browser, anna)).page;
  const bSession = await open(browser, ben);
  const b = bSession.page;
  step('both signed in');

  // Anna starts a direct chat from her friends list and sends a message that would be markup
  await a.click(`#friends li[data-id="${benId}"] button`);
  await a.waitForSelector('#conversation:not([hidden])');
  const conversationId = await a.$eval('#conversation', (e) => e.dataset.id);
  result.directTitle = await a.textContent('#conversation-title');
  const markup = 'hi <img src=x onerror="window.__xss=1"> Ben';
  await a.fill('#message-text', markup);
  await a.click('#message-send');
  await a.waitForSelector('#message-list li.mine');
  result.inputCleared = (await a.inputValue('#message-text')) === '';
  step('anna sent');

  // Ben's list gets the chat live, with one unread
  await b.waitForSelector(`#conversations li[data-id="${conversationId}"] .unread`, { timeout: 10_000 });
  result.benUnread = await b.textContent(`#conversations li[data-id="${conversationId}"] .unread`);
  result.benPreview = await b.textContent(`#conversations li[data-id="${conversationId}"] .preview`);
  await b.click(`#conversations li[data-id="${conversationId}"]`);
  await b.waitForSelector('#message-list li .text');
  result.benSees = await b.textContent('#message-list li .text');
  // the badge goes once the page has marked the chat read (after the history is shown: wait for it, not a moment)
  result.benUnreadAfterOpen = await b.waitForSelector(`#conversations li[data-id="${conversationId}"] .unread`, { state: 'detached', timeout: 10_000 })
    .then(() => false, () => true);
  step('ben read');
  // Ben's read marker reaches Anna as a receipt
  await a.waitForSelector('#message-list li.mine .seen', { timeout: 10_000 });
  result.seenShown = true;

  // Ben answers Anna's message with Reply; typing it shows on Anna's page; she sees the reply live with its quote
  await b.click('#message-list li button.reply');
  result.benReplyingTo = await b.textContent('#reply-text');
  await b.fill('#message-text', 'hello Anna');
  await a.waitForFunction(() => document.querySelector('#typing').textContent.endsWith('is typing…'), null, { timeout: 10_000 });
  result.annaSeesTyping = await a.textContent('#typing');
  await b.click('#message-send');
  await a.waitForSelector('#message-list li:not(.mine) .text', { timeout: 10_000 });
  result.annaSeesReply = await a.textContent('#message-list li:not(.mine) .text');
  result.annaSeesQuote = await a.textContent('#message-list li:not(.mine) .quote-text');
  result.typingGoneWithMessage = await a.textContent('#typing');
  result.benReplyBarHidden = await b.$eval('#replying', (e) => e.hidden);
  result.annaOrder = await a.$$eval('#message-list li', (lis) => lis.map((li) => Number(li.dataset.seq)));
  step('ben replied');

  // Ben reacts to Anna's message from the palette; Anna sees the chip live; her click on it adds hers (count 2)
  await b.click('#message-list li:not(.mine) button.add-reaction');
  await b.click('#message-list li:not(.mine) .palette button[data-emoji="👍"]');
  await a.waitForSelector('#message-list li.mine .reactions button.chip[data-emoji="👍"]', { timeout: 10_000 });
  result.annaSeesReaction = await a.textContent('#message-list li.mine .reactions button.chip[data-emoji="👍"]');
  await a.click('#message-list li.mine .reactions button.chip[data-emoji="👍"]');
  await b.waitForFunction(() => {
    const chip = document.querySelector('#message-list li:not(.mine) .reactions button.chip');
    return chip && chip.textContent === '👍 2';
  }, null, { timeout: 10_000 });
  result.benSeesTwo = await b.textContent('#message-list li:not(.mine) .reactions button.chip');
  step('reactions');

  // Anna deletes her first message: Ben sees the tombstone
  await a.click('#message-list li.mine button.delete');
  await b.waitForSelector('#message-list li.deleted', { timeout: 10_000 });
  result.tombstone = await b.textContent('#message-list li.deleted .text');
  await b.waitForFunction(() => document.querySelector('#message-list li.mine .quote-text').textContent === 'message deleted', null, { timeout: 10_000 });
  result.quoteAfterDelete = await b.textContent('#message-list li.mine .quote-text');
  step('deleted');

  // Ben's socket drops (no close from him); Anna sends meanwhile; the reconnect catches up by seq
  await b.evaluate(() => window.chorusMessages.socket.close(4000, 'test drop'));
  await b.waitForSelector('body:not([data-live])');
  const sent = await rest('POST', `/api/v1/conversations/${conversationId}/messages`, { text: 'while you were away' }, annaToken);
  if (sent.status !== 201) throw new Error(`send while away: ${sent.status} ${JSON.stringify(sent.body)}`);
  await b.waitForSelector('body[data-live="1"]', { timeout: 15_000 });
  await b.waitForSelector(`#message-list li[data-seq="${sent.body.seq}"]`, { timeout: 10_000 });
  result.caughtUp = await b.textContent(`#message-list li[data-seq="${sent.body.seq}"] .text`);
  result.benOrder = await b.$$eval('#message-list li', (lis) => lis.map((li) => Number(li.dataset.seq)));
  step('caught up');

  // Anna attaches a photo and an HTML file (names that would be markup) and sends them without text: Ben sees the
  // photo inline (loaded through its signed URL: an <img> sends no token) and the other file as a download link
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  await a.setInputFiles('#message-files', [
    { name: '<b>pic</b>.png', mimeType: 'image/png', buffer: png },
    { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>window.__xss=1</script>') }]);
  await a.waitForFunction(() => window.chorusMessages.pending.length === 2 && window.chorusMessages.pending.every((p) => p.id));
  await a.click('#message-send');
  await a.waitForSelector('#message-list li.mine .attachments img.thumb');
  result.annaPendingCleared = await a.evaluate(() => window.chorusMessages.pending.length === 0
    && document.querySelectorAll('#pending li').length === 0);
  await b.waitForFunction(() => {
    const img = document.querySelector('#message-list li .attachments img.thumb');
    return img && img.complete && img.naturalWidth > 0;
  }, undefined, { timeout: 10_000 });
  result.benImageAlt = await b.$eval('#message-list li .attachments img.thumb', (img) => img.alt);
  result.benImageWidth = await b.$eval('#message-list li .attachments img.thumb', (img) => img.naturalWidth);
  result.benFileName = await b.textContent('#message-list li .attachments a.file');
  result.benFileSigned = await b.$eval('#message-list li .attachments a.file', (x) => x.href.includes('sig='));
  step('attachments');

  // Ben searches his chats: the chat's name, the sender and the text with the words marked; a click opens it there
  await b.fill('#message-search', 'AWAY whi');
  await b.click('#message-search-go');
  await b.waitForSelector('#message-search-results li', { timeout: 10_000 });
  result.searchResults = await b.$$eval('#message-search-results li', (lis) => lis.map((li) => ({
    title: li.querySelector('.title').textContent, author: li.querySelector('.author').textContent,
    text: li.querySelector('.text').textContent, marks: [...li.querySelectorAll('mark')].map((m) => m.textContent) })));
  await b.click('#message-search-results li');
  await b.waitForSelector('#message-list li.found', { timeout: 10_000 });
  result.searchOpened = await b.textContent('#message-list li.found .text');
  step('searched');

  // a group Anna makes with Ben ticked appears in Ben's list live
  await a.check(`#friends li[data-id="${benId}"] input[type=checkbox]`);
  await a.fill('#group-title', 'Band <b>practice</b>');
  await a.click('#group-create');
  await a.waitForFunction(() => document.querySelector('#conversation-title').textContent.startsWith('Band'));
  const groupId = await a.$eval('#conversation', (e) => e.dataset.id);
  await b.waitForSelector(`#conversations li[data-id="${groupId}"]`, { timeout: 10_000 });
  result.benGroupTitle = await b.textContent(`#conversations li[data-id="${groupId}"] .title`);
  step('group');

  result.xssSafe = await a.evaluate(() => window.__xss === undefined) && await b.evaluate(() => window.__xss === undefined);
  result.ok = true;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(0);

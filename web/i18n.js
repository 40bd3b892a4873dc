// The page's words in English and Korean, picked once from the browser's languages.
// t(key, values) fills {name} placeholders; localize(root) fills every element that
// names a key in data-text (its text) or data-label (its aria-label).

const strings = {
  en: {
    title: 'Mailbox',
    signInTitle: 'Sign in',
    openIntro: 'Enter a phone number to open its mailbox.',
    tokenIntro: 'Paste the token you were given.',
    phone: 'Phone number',
    openMailbox: 'Open mailbox',
    token: 'Token',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signedOut: 'Signed out: {reason}',
    signedInAs: 'Mailbox of {phone}',
    unread: 'Unread',
    sections: 'Mailbox sections',
    inbox: 'Inbox',
    compose: 'Compose',
    sent: 'Sent',
    alarms: 'Alarms',
    loadMore: 'Load more',
    refresh: 'Refresh',
    loading: 'Loading…',
    emptyInbox: 'No mail yet.',
    emptySent: 'Nothing sent yet.',
    emptyAlarms: 'No alarms yet.',
    unreadMark: 'unread',
    from: 'From {phone}',
    to: 'To',
    toPhone: 'To {phone}',
    message: 'Message',
    send: 'Send',
    sending: 'Sending…',
    sentTo: 'Sent to {phone}.',
    count: '{count} of {limit} characters',
    tooLong: '{count} of {limit} characters: {over} too many',
    read: 'Read {time}',
    notRead: 'Not read yet',
    close: 'Close',
    alarmSent: 'Your message was sent',
    alarmArrived: 'A message arrived',
    alarmVia: 'Message {id}, by {channel}',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    network: 'The server cannot be reached. Try again.',
    noPhone: 'Enter a phone number.',
    noToken: 'Enter a token.',
    failed: 'Something went wrong ({status}).',
  },
  ko: {
    title: '메일함',
    signInTitle: '로그인',
    openIntro: '전화번호를 입력하면 그 번호의 메일함이 열립니다.',
    tokenIntro: '받은 토큰을 붙여 넣으세요.',
    phone: '전화번호',
    openMailbox: '메일함 열기',
    token: '토큰',
    signIn: '로그인',
    signOut: '로그아웃',
    signedOut: '로그아웃되었습니다: {reason}',
    signedInAs: '{phone}의 메일함',
    unread: '읽지 않음',
    sections: '메일함 메뉴',
    inbox: '받은 메일',
    compose: '메일 쓰기',
    sent: '보낸 메일',
    alarms: '알림',
    loadMore: '더 보기',
    refresh: '새로 고침',
    loading: '불러오는 중…',
    emptyInbox: '받은 메일이 없습니다.',
    emptySent: '보낸 메일이 없습니다.',
    emptyAlarms: '알림이 없습니다.',
    unreadMark: '읽지 않음',
    from: '보낸 사람 {phone}',
    to: '받는 사람',
    toPhone: '받는 사람 {phone}',
    message: '내용',
    send: '보내기',
    sending: '보내는 중…',
    sentTo: '{phone}에게 보냈습니다.',
    count: '{count}/{limit}자',
    tooLong: '{count}/{limit}자: {over}자 초과',
    read: '{time} 읽음',
    notRead: '아직 읽지 않음',
    close: '닫기',
    alarmSent: '메일을 보냈습니다',
    alarmArrived: '메일이 도착했습니다',
    alarmVia: '메일 {id}, {channel}(으)로 알림',
    live: '실시간',
    reconnecting: '다시 연결하는 중…',
    network: '서버에 연결할 수 없습니다. 다시 시도하세요.',
    noPhone: '전화번호를 입력하세요.',
    noToken: '토큰을 입력하세요.',
    failed: '문제가 생겼습니다 ({status}).',
  },
};

function pick(languages) {
  for (const tag of languages) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base in strings) return base;
  }
  return 'en';
}

export const lang = pick(navigator.languages?.length ? navigator.languages : [navigator.language]);

export function t(key, values = {}) {
  const text = strings[lang][key] ?? strings.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

export const numbers = new Intl.NumberFormat(lang);

export function localize(root) {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-text]')) el.textContent = t(el.dataset.text);
  for (const el of root.querySelectorAll('[data-label]')) el.setAttribute('aria-label', t(el.dataset.label));
}

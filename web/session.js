// Who this tab is signed in as, kept in sessionStorage: it survives a reload of the tab
// and ends with it. A token handed over in the address (#token=...) is moved here and
// taken out of the address bar and the history at once.

const TOKEN = 'mailbox.token';
const PHONE = 'mailbox.phone';

export function takeTokenFromAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (token === null) return;
  fragment.delete('token');
  const rest = fragment.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  if (token) sessionStorage.setItem(TOKEN, token);
}

export const storedToken = () => sessionStorage.getItem(TOKEN);
export const storedPhone = () => sessionStorage.getItem(PHONE);
export const rememberToken = (token) => sessionStorage.setItem(TOKEN, token);
export const rememberPhone = (phone) => sessionStorage.setItem(PHONE, phone);

export function forget() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(PHONE);
}

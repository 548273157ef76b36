/** The API token lives in sessionStorage: gone when the tab closes, never in a cookie or the URL bar. */
const KEY = 'k2.token';

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string) => sessionStorage.setItem(KEY, token);
export const clearToken = () => sessionStorage.removeItem(KEY);

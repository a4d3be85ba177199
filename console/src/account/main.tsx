// Entry point of the signed-in user's account page (/sso/account): the console's styles, the page's own,
// and the app, mounted on #app.
import { render } from 'preact';
import { AccountApp } from './account-app.tsx';
import '../styles.css';
import './account.css';

const root = document.getElementById('app');
if (root !== null) render(<AccountApp />, root);

import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { forgetTokenInUrl } from './api';
import { App } from './features/shell/app';
import './styles.css';

forgetTokenInUrl();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { forgetTokenInUrl } from './api';
import { App, openSectionInAddress } from './features/shell/app';
import './styles.css';

forgetTokenInUrl();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// The opened section's code first (at most a second and a half: a slow server still gets a page).
void Promise.race([openSectionInAddress().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1500))]).then(() =>
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);

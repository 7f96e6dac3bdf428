// Entry point of the browser client (index.html loads it; Vite bundles it into dist/).
import { App } from './app/app';

const root = document.getElementById('app');
if (root === null) {
  throw new Error('index.html has no #app element');
}
void new App(root).run();

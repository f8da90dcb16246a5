// `npm run i18n:types`: rewrites core/i18n/message-types.ts from the English catalog, after a
// key or a variable was added, renamed or removed there.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMessageTypes } from '#core/i18n/render-message-types';

const english = JSON.parse(readFileSync(new URL('./messages/en.json', import.meta.url), 'utf8'));
writeFileSync(new URL('./message-types.ts', import.meta.url), renderMessageTypes(english));

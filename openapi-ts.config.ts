// Code generation from openapi.yaml (the contract): server types into generated/, a typed fetch client
// into clients/typescript/. Run `npm run generate`; CI fails when the committed output differs.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig([
  {
    input: './openapi.yaml',
    output: { path: './generated', clean: true },
    plugins: ['@hey-api/typescript'],
  },
  {
    input: './openapi.yaml',
    output: { path: './clients/typescript/src', clean: true },
    plugins: ['@hey-api/typescript', '@hey-api/sdk', '@hey-api/client-fetch'],
  },
]);

import { apiKeyDetector } from './api-key.js';
import { detectorTable } from './test-support/detector-table.js';

const OPENAI = 'sk-k8eACmIr4H0aKBIM7qTpbQW7rHN6hdw45Jp6TyPp353EAcHQ';
const OPENAI_PROJECT = 'sk-proj-vaCkbOwWgAKiCtWY7XKIY7FAy0mSauXDcdssGQcUwSSWblME_rS8srqOF';
const ANTHROPIC = 'sk-ant-api03-R9Z8Vyq4oAgbh2vo8xZ6H7mF9978WAQnyKiOCIqqqVdYGfe2KZrrNOveHZRzbR1dVqVoAA';
const GITHUB = 'ghp_NPyi7NPzVj1AuxEakDMDCt7Wl9ZGWUpXAfJj';
const GITHUB_PAT = 'github_pat_11ABCDEFG0yLqZkCZRDUS9_hJ0H49KxwO06kqOeMo2DxLEpdolmk3nEWnvc8FLQKu';
const SLACK = 'xoxb-2048123456-4096123456789-yLqZkCZRDUS9hJ0H49KxwO06';
const GOOGLE = 'AIzaSycpp5IHn9sbXXW16fC5lf_GMVNZNwlYkP';
const STRIPE = 'sk_live_51NzQkCZRDUS9hJ0H49KxwO06kqOeMo2DxLE';
const HF = 'hf_aqPdcIUeX3tCwhx1K8Iqz4ZLYEQM85ltCT';

detectorTable(
  apiKeyDetector,
  [
    [`OPENAI_API_KEY=${OPENAI}`, [OPENAI]],
    [`my key is ${OPENAI_PROJECT} why 401?`, [OPENAI_PROJECT]],
    [`x ${ANTHROPIC} y`, [ANTHROPIC]],
    ['aws AKIAIOSFODNN7EXAMPLE and ASIAC7VTBI55JBJ7VZHF', ['AKIAIOSFODNN7EXAMPLE', 'ASIAC7VTBI55JBJ7VZHF']],
    [`https://${GITHUB}@github.com/acme/x.git`, [GITHUB]],
    [`token ${GITHUB_PAT} expired`, [GITHUB_PAT]],
    [`SLACK_BOT_TOKEN=${SLACK}`, [SLACK]],
    [`{ apiKey: "${GOOGLE}" }`, [GOOGLE]],
    [`Stripe ${STRIPE}`, [STRIPE]],
    [`HF_TOKEN=${HF}`, [HF]],
    ['api_key=3f9a7c2e1b8d4f6a0c5e9b7d2a1f8e4c', ['3f9a7c2e1b8d4f6a0c5e9b7d2a1f8e4c']],
    ['{"apiKey": "a1b2c3d4e5f6g7h8i9j0"}', ['a1b2c3d4e5f6g7h8i9j0']],
    ['X-Api-Key: 7d1f0b2c9e8a4d3f6b5c', ['7d1f0b2c9e8a4d3f6b5c']],
    ['apikey: Zx81Qm4Lp9Rt2Vw7Ky5H.', ['Zx81Qm4Lp9Rt2Vw7Ky5H']],
    ['client_secret=GOCSPX-8yRqT1xZk3Wm5Pn7', ['GOCSPX-8yRqT1xZk3Wm5Pn7']],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
    ['?access_token=EAAGm0PX4ZCpsBA7x2kz&x=1', ['EAAGm0PX4ZCpsBA7x2kz']],
    ['"private_key_id": "4f1a9b2c3d8e7f6a5b4c"', ['4f1a9b2c3d8e7f6a5b4c']],
  ],
  [
    'Use the task-management-system-for-small-teams template',
    'sk-learn-tutorials-for-beginners-and-experts',
    'api_key=YOUR_API_KEY_HERE and apiKey: process.env.OPENAI_API_KEY',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder, which must not be taken for a key
    'api_key=${API_KEY}',
    'max_tokens=4096 and token_type=bearer',
    'prompt_tokens: 1234567',
    'The secret to good bread is patience; secret: 42',
    'The ghp_ prefix, AKIA prefix and xoxb- prefix are documented',
    'AKIA lower-case akiaiosfodnn7example and AKIAIOSFODNN7EXAMPLEX (21 characters)',
    'monkey=ab12cd34ef56 is not a key name',
  ],
);

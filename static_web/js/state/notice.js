// Slice `notice`: the card's one short message (success, cancel, cleanup, problems).

import { ATTEMPT_POLLED, ATTEMPT_TRACKED, NOTICE_SHOWN } from './actions.js';

/** No message; `tone` null until the first notice (the element then has no tone class). */
export const NO_NOTICE = Object.freeze({ text: '', tone: null, link: null });
const CLEARED = Object.freeze({ text: '', tone: 'info', link: null });

export const noticeSlice = {
  initial: NO_NOTICE,
  reducers: {
    [NOTICE_SHOWN]: (_notice, { notice }) => notice,
    // A new attempt starts with a clean card.
    [ATTEMPT_TRACKED]: () => CLEARED,
    // A good answer from the server ends a connection (or Stop) warning.
    [ATTEMPT_POLLED]: (notice) => (notice.tone === 'warning' ? CLEARED : notice),
  },
};

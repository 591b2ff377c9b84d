import { widgetReply } from '../lib/api/widget.js';
import { apiHandler } from '../lib/http/api-handler.js';

export const handler = apiHandler('get-widget', (event, rt) => widgetReply(rt, event.site));

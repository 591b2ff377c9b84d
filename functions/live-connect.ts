import { socketHandler, socketRoute } from '../lib/live/socket-routes.js';

export const handler = socketHandler(socketRoute('live-connect'));

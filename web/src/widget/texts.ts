/**
 * Every text the widget shows or gives as an accessible name, in each language the site setting
 * `language` offers: one dictionary per language, both of the `Texts` type, so neither can miss
 * a key. Texts that hold a number or a name are functions; a text around an element (a name in
 * bold) is the words before and after it. No DOM here: the tests read it in Node too.
 */

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const isLanguage = (value: unknown): value is Language => (LANGUAGES as readonly unknown[]).includes(value);

/** An error reply's body, as the service sends it. */
export interface ServiceError {
  code: string;
  message: string;
}

export interface Texts {
  /** The launcher's label and the panel's title. */
  chatWithUs: string;
  closeWindow: string;
  loading: string;
  notAvailable: string;
  tryAgain: string;
  back: string;
  /* the start view */
  operators: string;
  status: Record<'online' | 'away', string>;
  chatWith: (name: string) => string;
  department: string;
  groupState: (available: boolean) => string;
  nobodyFree: string;
  noOperator: string;
  firstMessage: string;
  startChat: string;
  startChatWithAnyone: string;
  leaveMessage: string;
  /* starting */
  connecting: string;
  unreachable: string;
  /** A refused request: the service's sentence, or one of ours for its code. */
  failed: (error?: ServiceError) => string;
  /* the conversation */
  messages: string;
  yourMessage: string;
  /** Under a text box: `count` of `max` characters. */
  characters: (count: number, max: number) => string;
  send: string;
  you: string;
  operator: string;
  /** A message's time. */
  time: (date: Date) => string;
  writeFirst: string;
  notSent: (error?: ServiceError) => string;
  notSentEnded: string;
  notSentUnreachable: string;
  chattingWith: [string, string];
  /** Waiting while some operator is online, but none is free. */
  allBusy: string;
  /** Waiting while no operator is online (none is "busy"). */
  waitingForSomeoneOnline: string;
  /** The place in the queue; `waitSeconds`: the estimate, null when there is none. */
  place: (position: number, waitSeconds: number | null) => string;
  inQueue: string;
  weWillWriteIfNobody: (email: string) => string;
  endChat: string;
  leaveQueue: string;
  chatEnded: string;
  chatEndedThanks: string;
  endFailed: string;
  startNewChat: string;
  /* follow-up requests */
  recorded: string;
  nobodyOnline: string;
  yourName: string;
  yourEmail: string;
  sendRequest: string;
  writeYourMessage: string;
  requestFailed: string;
  thanksWeWillWrite: [string, string];
}

/** Numbers as each language writes them in running text; four digits stay whole ("4000"), as both do. */
const numberIn = (locale: Language) => {
  const format = new Intl.NumberFormat(locale, { useGrouping: 'min2' as unknown as boolean });
  return (value: number) => format.format(value);
};

/** Hours and minutes, as each language writes them ("2:05 PM", "14:05"). */
const timeIn = (locale: Language) => {
  const format = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  return (date: Date) => format.format(date);
};

/** Minutes of an estimate, rounded up. */
const minutes = (seconds: number) => Math.ceil(seconds / 60);

const enNumber = numberIn('en');

const en: Texts = {
  chatWithUs: 'Chat with us',
  closeWindow: 'Close chat window',
  loading: 'Loading…',
  notAvailable: 'The chat is not available right now.',
  tryAgain: 'Try again',
  back: 'Back',
  operators: 'Operators',
  status: { online: 'online', away: 'away' },
  chatWith: (name) => `Chat with ${name}`,
  department: 'Department',
  groupState: (available) => (available ? '(available now)' : '(nobody free now)'),
  nobodyFree: 'Nobody is free right now: start a chat and we will connect you as soon as someone is, or leave a message and we will write to you.',
  noOperator: 'No operator is online right now. You can still leave a message.',
  firstMessage: 'Your message (optional)',
  startChat: 'Start chat',
  startChatWithAnyone: 'Start chat with anyone',
  leaveMessage: 'Leave a message',
  connecting: 'Connecting you…',
  unreachable: 'We could not reach the chat service. Check your connection and try again.',
  failed: (error) => error?.message ?? 'Something went wrong.',
  messages: 'Messages',
  yourMessage: 'Your message',
  characters: (count, max) => `${enNumber(count)} / ${enNumber(max)} characters`,
  send: 'Send',
  you: 'You',
  operator: 'Operator',
  time: timeIn('en'),
  writeFirst: 'Write a message first.',
  notSent: (error) => `Not sent: ${error?.message ?? 'something went wrong.'}`,
  notSentEnded: 'Not sent: this chat has ended.',
  notSentUnreachable: 'Not sent: we could not reach the chat service. Try again.',
  chattingWith: ['You are chatting with ', '.'],
  allBusy: 'All our operators are busy right now. Please stay: the next free operator will take your chat. You can already write to us below.',
  waitingForSomeoneOnline: 'No operator is online right now. Please stay: we will connect you as soon as one comes online. You can already write to us below.',
  place: (position, wait) =>
    `You are number ${enNumber(position)} in the queue${wait === null ? '' : wait < 60 ? ', less than a minute' : `, about ${enNumber(minutes(wait))} min`}.`,
  inQueue: 'You are in the queue.',
  weWillWriteIfNobody: (email) => `If nobody can take your chat, we will write to you at ${email}.`,
  endChat: 'End chat',
  leaveQueue: 'Leave the queue',
  chatEnded: 'This chat has ended.',
  chatEndedThanks: 'Chat ended. Thank you!',
  endFailed: 'We could not end the chat. Try again.',
  startNewChat: 'Start a new chat',
  recorded: 'Nobody can take your chat right now. Your request has been recorded. Leave your e-mail and we will write to you.',
  nobodyOnline: 'Nobody is online right now. Leave your e-mail and your message, and we will write to you.',
  yourName: 'Your name (optional)',
  yourEmail: 'Your e-mail',
  sendRequest: 'Send request',
  writeYourMessage: 'Write your message.',
  requestFailed: 'We could not send your request. Try again.',
  thanksWeWillWrite: ['Thank you! We will write to you at ', '.'],
};

const ruNumber = numberIn('ru');
const ruPlurals = new Intl.PluralRules('ru');
/** The noun after a number: `one` (1, 21 минута), `few` (2–4, 22 минуты; also fractions), `many` (0, 5–20 минут). */
const ruCount = (value: number, one: string, few: string, many: string) => {
  const form = ruPlurals.select(value);
  return `${ruNumber(value)} ${form === 'one' ? one : form === 'many' ? many : few}`;
};

/** The refusals a visitor may meet, by code; the service's own sentences are English. */
const RU_ERRORS: Partial<Record<string, string>> = {
  too_many_open_chats: 'У вас уже открыто максимальное число чатов на этом сайте. Завершите один из них, чтобы начать новый.',
  operator_unavailable: 'Этот оператор сейчас не может ответить. Начните чат с любым оператором.',
  visitor_choice_disabled: 'На этом сайте нельзя выбрать оператора.',
  group_not_found: 'Такого отдела нет.',
  origin_not_allowed: 'Чат не работает на этой странице.',
  site_not_found: 'Чат не настроен для этого сайта.',
  chat_closed: 'Этот чат завершён.',
  chat_not_open: 'Этот чат больше не активен.',
  chat_not_found: 'Этот чат не найден.',
  invalid_request: 'Проверьте, что всё заполнено верно.',
};
const ruError = (error?: ServiceError) => (error && RU_ERRORS[error.code]) || 'Что-то пошло не так. Попробуйте ещё раз.';

const ru: Texts = {
  chatWithUs: 'Напишите нам',
  closeWindow: 'Закрыть окно чата',
  loading: 'Загрузка…',
  notAvailable: 'Чат сейчас недоступен.',
  tryAgain: 'Попробовать ещё раз',
  back: 'Назад',
  operators: 'Операторы',
  status: { online: 'в сети', away: 'нет на месте' },
  chatWith: (name) => `Начать чат: ${name}`,
  department: 'Отдел',
  groupState: (available) => (available ? '(есть свободный оператор)' : '(сейчас все заняты)'),
  nobodyFree: 'Сейчас все заняты: начните чат, и мы соединим вас с первым освободившимся оператором, или оставьте сообщение, и мы вам напишем.',
  noOperator: 'Сейчас нет операторов в сети. Вы можете оставить сообщение.',
  firstMessage: 'Ваше сообщение (необязательно)',
  startChat: 'Начать чат',
  startChatWithAnyone: 'Начать чат с любым оператором',
  leaveMessage: 'Оставить сообщение',
  connecting: 'Соединяем…',
  unreachable: 'Не удалось связаться с чатом. Проверьте подключение к интернету и попробуйте ещё раз.',
  failed: ruError,
  messages: 'Сообщения',
  yourMessage: 'Ваше сообщение',
  // "из 4000 символов": the noun follows the limit (genitive after "из"); 4000 takes "символов".
  characters: (count, max) => `${ruNumber(count)} из ${ruNumber(max)} ${ruPlurals.select(max) === 'one' ? 'символа' : 'символов'}`,
  send: 'Отправить',
  you: 'Вы',
  operator: 'Оператор',
  time: timeIn('ru'),
  writeFirst: 'Сначала напишите сообщение.',
  notSent: (error) => `Сообщение не отправлено. ${ruError(error)}`,
  notSentEnded: 'Сообщение не отправлено: этот чат завершён.',
  notSentUnreachable: 'Сообщение не отправлено: не удалось связаться с чатом. Попробуйте ещё раз.',
  chattingWith: ['Вам отвечает ', '.'],
  allBusy: 'Сейчас все операторы заняты. Пожалуйста, не уходите: первый освободившийся оператор ответит вам. А пока можете написать нам ниже.',
  waitingForSomeoneOnline: 'Сейчас нет операторов в сети. Пожалуйста, не уходите: мы соединим вас, как только оператор появится в сети. А пока можете написать нам ниже.',
  // "Вы в очереди под номером 3, перед вами 2 человека. Ожидание — примерно 5 минут."
  place: (position, wait) =>
    `Вы в очереди под номером ${ruNumber(position)}${position > 1 ? `, перед вами ${ruCount(position - 1, 'человек', 'человека', 'человек')}` : ''}.` +
    (wait === null ? '' : wait < 60 ? ' Ожидание — меньше минуты.' : ` Ожидание — примерно ${ruCount(minutes(wait), 'минута', 'минуты', 'минут')}.`),
  inQueue: 'Вы в очереди.',
  weWillWriteIfNobody: (email) => `Если никто не сможет ответить, мы напишем вам на ${email}.`,
  endChat: 'Завершить чат',
  leaveQueue: 'Выйти из очереди',
  chatEnded: 'Чат завершён.',
  chatEndedThanks: 'Чат завершён. Спасибо!',
  endFailed: 'Не удалось завершить чат. Попробуйте ещё раз.',
  startNewChat: 'Начать новый чат',
  recorded: 'Сейчас никто не может ответить. Ваше обращение записано: оставьте e-mail, и мы вам напишем.',
  nobodyOnline: 'Сейчас никого нет в сети. Оставьте e-mail и сообщение, и мы вам напишем.',
  yourName: 'Ваше имя (необязательно)',
  yourEmail: 'Ваш e-mail',
  sendRequest: 'Отправить обращение',
  writeYourMessage: 'Напишите сообщение.',
  requestFailed: 'Не удалось отправить обращение. Попробуйте ещё раз.',
  thanksWeWillWrite: ['Спасибо! Мы напишем вам на ', '.'],
};

export const TEXTS: Record<Language, Texts> = { en, ru };

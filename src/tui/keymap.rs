//! The keymap as data: for each context, which keys do what and how to say
//! it. The footer and the `?` help are generated from these tables, so they
//! cannot drift from what the keys really do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::action::Action;

/// Where the keys go: the focused pane, the field being typed in, or the
/// topmost popup. The `?` help lists them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub enum Context {
    Presets,
    Filter,
    Form,
    FieldEdit,
    Lyrics,
    LyricsEdit,
    Prompt,
    Log,
    /// Typing the filter of the takes.
    LogFilter,
    Details,
    Settings,
    /// The "generate variations" popup.
    Variations,
    Input,
    Confirm,
    Help,
    HelpSearch,
}

impl Context {
    /// Letters typed here go to a text field, never to a command.
    pub fn is_typing(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::LogFilter
                | Context::FieldEdit
                | Context::LyricsEdit
                | Context::Input
                | Context::HelpSearch
        )
    }

    /// Where a bracketed paste goes: text fields, and the lyrics pane,
    /// which opens its editor for it.
    pub fn accepts_paste(self) -> bool {
        self.is_typing() || self == Context::Lyrics
    }

    /// The panes, where the global keys (generate, save, quit, …) work.
    pub fn has_globals(self) -> bool {
        matches!(
            self,
            Context::Presets | Context::Form | Context::Lyrics | Context::Prompt | Context::Log
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Presets => "Preset list",
            Context::Filter => "Typing a filter",
            Context::Form => "Track form",
            Context::FieldEdit => "Editing a field",
            Context::Lyrics => "Lyrics",
            Context::LyricsEdit => "Editing lyrics",
            Context::Prompt => "Prompt preview",
            Context::Log => "Generations and takes",
            Context::LogFilter => "Typing a filter of the takes",
            Context::Details => "Generation details",
            Context::Help => "Help",
            Context::HelpSearch => "Searching the help",
            Context::Confirm => "Question",
            Context::Input => "Text box",
            Context::Settings => "Settings",
            Context::Variations => "Generate variations",
        }
    }
}

/// One key: a code and the modifiers that must be held (Shift is ignored,
/// since terminals disagree on reporting it for `?` or Shift-Tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let code = match ev.code {
            // Some terminals send Ctrl-C as Ctrl + upper-case letter.
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        self.code == code
            && self.ctrl == ctrl
            && !ev
                .modifiers
                .intersects(KeyModifiers::ALT | KeyModifiers::SUPER)
    }

    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) if self.ctrl => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub desc: &'static str,
}

impl Binding {
    pub fn label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/")
    }
}

const fn bind(keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding { keys, action, desc }
}

const PAGE_UP: &[Key] = &[code(KeyCode::PageUp)];
const PAGE_DOWN: &[Key] = &[code(KeyCode::PageDown)];
const HOME: &[Key] = &[code(KeyCode::Home)];
const END: &[Key] = &[code(KeyCode::End)];
const UP: &[Key] = &[code(KeyCode::Up), ch('k')];
const DOWN: &[Key] = &[code(KeyCode::Down), ch('j')];
const ARROW_UP: &[Key] = &[code(KeyCode::Up)];
const ARROW_DOWN: &[Key] = &[code(KeyCode::Down)];
const ENTER: &[Key] = &[code(KeyCode::Enter)];
const ESC: &[Key] = &[code(KeyCode::Esc)];

/// Work everywhere, even while typing.
static ALWAYS: &[Binding] = &[
    bind(&[ctrl('c')], Action::ForceQuit, "quit now"),
    bind(&[ctrl('z')], Action::Suspend, "suspend (fg resumes)"),
    // F1, not `?`, in a text field, where `?` is typed.
    bind(&[code(KeyCode::F(1))], Action::Help, "help"),
];

/// Work in every pane, after the pane's own keys.
static GLOBAL: &[Binding] = &[
    bind(&[ch('g')], Action::Generate, "generate"),
    bind(&[ch('s')], Action::Save, "save"),
    bind(
        &[code(KeyCode::Tab), ch('l')],
        Action::FocusNext,
        "next pane",
    ),
    bind(&[ch('z')], Action::Zoom, "zoom pane"),
    bind(&[ch('?')], Action::Help, "help"),
    bind(&[ch('q')], Action::Quit, "quit"),
    bind(&[ch('o')], Action::Settings, "settings"),
    bind(&[ch('n')], Action::NewTrack, "new track"),
    bind(
        &[code(KeyCode::BackTab), ch('h')],
        Action::FocusPrev,
        "previous pane",
    ),
    bind(&[ch('1')], Action::FocusPane(1), "presets"),
    bind(&[ch('2')], Action::FocusPane(2), "track form"),
    bind(&[ch('3')], Action::FocusPane(3), "lyrics"),
    bind(&[ch('4')], Action::FocusPane(4), "prompt"),
    bind(&[ch('5')], Action::FocusPane(5), "log"),
    bind(&[ch('v')], Action::Variations, "generate variations"),
];

static PRESETS: &[Binding] = &[
    bind(UP, Action::Up, "up"),
    bind(DOWN, Action::Down, "down"),
    bind(PAGE_UP, Action::PageUp, "page up"),
    bind(PAGE_DOWN, Action::PageDown, "page down"),
    bind(HOME, Action::First, "first"),
    bind(END, Action::Last, "last"),
    bind(ENTER, Action::Activate, "load"),
    bind(&[ch('/')], Action::Filter, "filter"),
    bind(&[ch('d'), code(KeyCode::Delete)], Action::Delete, "delete"),
    bind(ESC, Action::Back, "clear filter"),
    bind(&[ch('S')], Action::Sort, "sort"),
];

static HELP_SEARCH: &[Binding] = &[
    bind(ENTER, Action::Activate, "keep search"),
    bind(ESC, Action::Back, "clear search"),
    bind(ARROW_UP, Action::Up, "scroll up"),
    bind(ARROW_DOWN, Action::Down, "scroll down"),
];

static FILTER: &[Binding] = &[
    bind(ENTER, Action::Activate, "keep filter"),
    bind(ESC, Action::Back, "clear filter"),
    bind(ARROW_UP, Action::Up, "up"),
    bind(ARROW_DOWN, Action::Down, "down"),
];

static FORM: &[Binding] = &[
    bind(UP, Action::Up, "up"),
    bind(DOWN, Action::Down, "down"),
    bind(PAGE_UP, Action::PageUp, "page up"),
    bind(PAGE_DOWN, Action::PageDown, "page down"),
    bind(HOME, Action::First, "first"),
    bind(END, Action::Last, "last"),
    bind(
        &[code(KeyCode::Enter), ch(' ')],
        Action::Activate,
        "edit/toggle",
    ),
    bind(&[code(KeyCode::Left), ch('-')], Action::Less, "less"),
    bind(&[code(KeyCode::Right), ch('+')], Action::More, "more"),
    bind(&[ch('a')], Action::AddStyle, "add style ref"),
    bind(
        &[ch('x'), code(KeyCode::Delete)],
        Action::RemoveStyle,
        "remove style ref",
    ),
];

static FIELD_EDIT: &[Binding] = &[
    bind(ENTER, Action::Activate, "apply"),
    bind(ESC, Action::Back, "cancel"),
];

static LYRICS: &[Binding] = &[bind(
    &[code(KeyCode::Enter), ch('i')],
    Action::Activate,
    "edit lyrics",
)];

static LYRICS_EDIT: &[Binding] = &[
    bind(ESC, Action::Back, "leave editor"),
    bind(&[ctrl('z')], Action::Undo, "undo"),
    bind(&[ctrl('r')], Action::Redo, "redo"),
];

static PROMPT: &[Binding] = &[
    bind(UP, Action::Up, "scroll up"),
    bind(DOWN, Action::Down, "scroll down"),
    bind(PAGE_UP, Action::PageUp, "page up"),
    bind(PAGE_DOWN, Action::PageDown, "page down"),
    bind(HOME, Action::First, "top"),
    bind(END, Action::Last, "bottom"),
];

static LOG: &[Binding] = &[
    bind(UP, Action::Up, "newer"),
    bind(DOWN, Action::Down, "older"),
    bind(PAGE_UP, Action::PageUp, "page up"),
    bind(PAGE_DOWN, Action::PageDown, "page down"),
    bind(HOME, Action::First, "newest"),
    bind(END, Action::Last, "oldest"),
    bind(ENTER, Action::Activate, "details"),
    bind(&[ch('c')], Action::CancelGeneration, "cancel generation"),
    bind(&[ch('p')], Action::Play, "play/stop"),
    bind(&[ch('e')], Action::EditTake, "edit in form"),
    bind(&[ch('r')], Action::Rerun, "run again"),
    bind(&[ch('/')], Action::Filter, "filter"),
    bind(&[ch('m'), ch(' ')], Action::Mark, "mark to compare"),
    bind(&[ch('C')], Action::Compare, "compare"),
    bind(&[ch('S')], Action::Sort, "sort by time/name"),
    bind(&[ch('O')], Action::OpenExternal, "open file"),
    bind(&[ch('y')], Action::CopyPath, "copy path"),
    bind(&[ch('D')], Action::Delete, "delete take"),
    bind(ESC, Action::Back, "clear filter/marks"),
];

static LOG_FILTER: &[Binding] = &[
    bind(ENTER, Action::Activate, "keep filter"),
    bind(ESC, Action::Back, "clear filter"),
    bind(ARROW_UP, Action::Up, "up"),
    bind(ARROW_DOWN, Action::Down, "down"),
];

static DETAILS: &[Binding] = &[
    bind(
        &[code(KeyCode::Esc), code(KeyCode::Enter), ch('q')],
        Action::Back,
        "close",
    ),
    bind(UP, Action::Up, "scroll up"),
    bind(DOWN, Action::Down, "scroll down"),
    bind(PAGE_UP, Action::PageUp, "scroll a page up"),
    bind(PAGE_DOWN, Action::PageDown, "scroll a page down"),
    bind(HOME, Action::First, "scroll to the top"),
    bind(END, Action::Last, "scroll to the end"),
];

static HELP: &[Binding] = &[
    bind(
        &[code(KeyCode::Esc), ch('?'), ch('q')],
        Action::Back,
        "close",
    ),
    bind(&[ch('/')], Action::Filter, "search"),
    bind(UP, Action::Up, "scroll up"),
    bind(DOWN, Action::Down, "scroll down"),
    bind(PAGE_UP, Action::PageUp, "scroll a page up"),
    bind(PAGE_DOWN, Action::PageDown, "scroll a page down"),
    bind(HOME, Action::First, "scroll to the top"),
    bind(END, Action::Last, "scroll to the end"),
];

static CONFIRM: &[Binding] = &[
    bind(&[ch('y'), code(KeyCode::Enter)], Action::Yes, "yes"),
    bind(&[ch('n'), code(KeyCode::Esc), ch('q')], Action::No, "no"),
];

static INPUT: &[Binding] = &[
    bind(ENTER, Action::Activate, "ok"),
    bind(ESC, Action::Back, "cancel"),
];

static SETTINGS: &[Binding] = &[
    bind(UP, Action::Up, "up"),
    bind(DOWN, Action::Down, "down"),
    // Enter, not Space: a stray Space must not switch to paid requests.
    bind(ENTER, Action::Activate, "edit/change"),
    // Short, so the footer keeps `c` at 80 columns.
    bind(&[code(KeyCode::Left)], Action::Less, "previous"),
    bind(&[code(KeyCode::Right)], Action::More, "next"),
    bind(&[ch('c')], Action::CheckSetup, "check set-up"),
    bind(
        &[code(KeyCode::Esc), ch('o'), ch('q')],
        Action::Back,
        "close",
    ),
];

static VARIATIONS: &[Binding] = &[
    bind(UP, Action::Up, "up"),
    bind(DOWN, Action::Down, "down"),
    bind(&[code(KeyCode::Left), ch('-')], Action::Less, "less"),
    bind(&[code(KeyCode::Right), ch('+')], Action::More, "more"),
    bind(ENTER, Action::Activate, "generate them"),
    bind(&[code(KeyCode::Esc), ch('q')], Action::Back, "cancel"),
];

/// The context's own bindings, without the global ones.
pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Presets => PRESETS,
        Context::Filter => FILTER,
        Context::Form => FORM,
        Context::FieldEdit => FIELD_EDIT,
        Context::Lyrics => LYRICS,
        Context::LyricsEdit => LYRICS_EDIT,
        Context::Prompt => PROMPT,
        Context::Log => LOG,
        Context::LogFilter => LOG_FILTER,
        Context::Details => DETAILS,
        Context::Help => HELP,
        Context::HelpSearch => HELP_SEARCH,
        Context::Confirm => CONFIRM,
        Context::Input => INPUT,
        Context::Settings => SETTINGS,
        Context::Variations => VARIATIONS,
    }
}

/// The first key that does `action` in `ctx` (its own keys, then the
/// global ones where they work), for a hint that names it.
pub fn first_key(ctx: Context, action: &Action) -> Option<String> {
    let globals: &[Binding] = if ctx.has_globals() { GLOBAL } else { &[] };
    bindings(ctx)
        .iter()
        .chain(globals)
        .chain(ALWAYS)
        .find(|b| &b.action == action)
        .map(|b| b.keys[0].label())
}

pub fn global_bindings() -> &'static [Binding] {
    GLOBAL
}

pub fn always_bindings() -> &'static [Binding] {
    ALWAYS
}

/// Keys a text field handles itself; listed in the help, not mapped.
pub fn typing_notes(ctx: Context) -> &'static [(&'static str, &'static str)] {
    match ctx {
        Context::Filter
        | Context::LogFilter
        | Context::FieldEdit
        | Context::Input
        | Context::HelpSearch => &[
            ("←/→ Home/End", "move the cursor"),
            ("Backspace/Del", "delete"),
            ("Ctrl-U", "clear to the start"),
        ],
        Context::LyricsEdit => &[
            ("Enter", "new line"),
            ("Ctrl-U", "delete to the line start"),
            ("Ctrl-K / Ctrl-W", "delete to line end / word"),
            ("Ctrl-A / Ctrl-E", "line start / end"),
            ("paste", "inserts the pasted text"),
        ],
        _ => &[],
    }
}

/// The action a key stands for in a context. In a text field any key
/// without a binding is typed into the field.
pub fn action_for(ctx: Context, ev: KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    // The context's own keys first: Ctrl-Z is undo in the lyrics editor,
    // suspend elsewhere.
    let tables: &[&[Binding]] = if ctx.has_globals() {
        &[bindings(ctx), ALWAYS, GLOBAL]
    } else {
        &[bindings(ctx), ALWAYS]
    };
    let found = tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|b| b.keys.iter().any(|k| k.matches(&ev)));
    match found {
        Some(b) => Some(b.action.clone()),
        None if ctx.is_typing() => Some(Action::Edit(ev)),
        None => None,
    }
}

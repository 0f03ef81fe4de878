// The PromQL editor: CodeMirror 6 with @prometheus-io/codemirror-promql for highlighting,
// linting and completion. Completion asks the API lazily (metric names on the first
// completion, label values per label), so opening the page fetches nothing.

import { autocompletion, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import {
  defaultKeymap,
  history,
  historyKeymap,
  insertNewlineAndIndent,
} from "@codemirror/commands";
import { bracketMatching, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintKeymap } from "@codemirror/lint";
import { EditorState, Prec } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightSpecialChars,
  keymap,
  placeholder,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { PromQLExtension } from "@prometheus-io/codemirror-promql";
import { apiRoot } from "./api";

const promqlHighlight = HighlightStyle.define([
  { tag: tags.number, color: "#09885a" },
  { tag: tags.string, color: "#a31515" },
  { tag: tags.keyword, color: "#008080", fontWeight: "bold" },
  { tag: tags.function(tags.variableName), color: "#008080" },
  { tag: tags.labelName, color: "#800000" },
  { tag: tags.operator, color: "#0000ff" },
  { tag: tags.modifier, color: "#0000ff" },
  { tag: tags.paren, color: "#555" },
  { tag: tags.squareBracket, color: "#555" },
  { tag: tags.brace, color: "#555" },
  { tag: tags.invalid, color: "#d00", textDecoration: "underline wavy" },
  { tag: tags.comment, color: "#888", fontStyle: "italic" },
]);

const theme = EditorView.theme({
  "&": { border: "1px solid #ced4da", borderRadius: "4px", background: "#fff" },
  "&.cm-focused": { outline: "2px solid #86b7fe" },
  ".cm-content": { fontFamily: "ui-monospace, Menlo, Consolas, monospace", padding: "6px 0" },
  ".cm-scroller": { overflow: "auto", maxHeight: "12em" },
});

let sharedExtension: PromQLExtension | null = null;

/** One completion client for all panels, so their caches are shared. */
function promql(): PromQLExtension {
  if (sharedExtension === null) {
    sharedExtension = new PromQLExtension().setComplete({
      remote: { url: apiRoot, httpMethod: "GET", cache: { maxAge: 5 * 60_000 } },
    });
  }
  return sharedExtension;
}

export interface Editor {
  view: EditorView;
  value(): string;
  setValue(text: string): void;
}

/**
 * An editor in `parent`. Enter runs the query (Shift+Enter inserts a newline, as in
 * Prometheus); an open completion list takes Enter first
 * (autocompletion() binds its keys at the highest precedence).
 */
export function createEditor(
  parent: HTMLElement,
  initial: string,
  onExecute: () => void,
  onChange: (text: string) => void,
): Editor {
  const run = (): boolean => {
    onExecute();
    return true;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: initial,
      extensions: [
        highlightSpecialChars(),
        history(),
        drawSelection(),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ activateOnTyping: true, maxRenderedOptions: 100 }),
        syntaxHighlighting(promqlHighlight),
        placeholder("Expression (press Shift+Enter for newlines)"),
        promql().asExtension(),
        EditorView.lineWrapping,
        theme,
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        Prec.high(
          keymap.of([
            { key: "Enter", run },
            { key: "Shift-Enter", run: insertNewlineAndIndent },
          ]),
        ),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    value: () => view.state.doc.toString(),
    setValue: (text: string) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}

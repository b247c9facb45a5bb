/**
 * Give a bundle's module-level bindings back their `const`.
 *
 * esbuild hoists every module of a bundle into one scope and declares their
 * top-level bindings with `var` (or `let`), whatever the source said. Under
 * Moddable preload that costs RAM: every module variable that is not
 * `const` keeps a 4-byte alias pointer in RAM so it could be written
 * (Moddable SDK documentation/xs/preload.md, "Module Scope"). Our device
 * code has no module-level mutable state (the lint gate's
 * picket/no-top-level-mutable-state), so nearly every such binding can be
 * `const` again.
 *
 * A top-level `var`/`let` statement becomes `const` when every binding it
 * declares has an initialiser and no assignment, update or for-in/of anywhere
 * in the bundle targets an identifier of that name (by name, so a local that
 * shadows it keeps the top-level one `var`: conservative, never wrong).
 * Reading a binding before its statement runs would now throw instead of
 * giving undefined; the XS tests load the literal bundle, so such a case
 * fails the build's tests rather than a board.
 */
import ts from "typescript";

export interface ConstBindingsReport {
  readonly text: string;
  readonly converted: number;
  readonly kept: number;
}

function assignedNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const target = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    else if (ts.isParenthesizedExpression(node)) target(node.expression);
    else if (ts.isArrayLiteralExpression(node)) node.elements.forEach(target);
    else if (ts.isObjectLiteralExpression(node)) {
      for (const p of node.properties) {
        if (ts.isShorthandPropertyAssignment(p)) names.add(p.name.text);
        else if (ts.isPropertyAssignment(p)) target(p.initializer);
        else if (ts.isSpreadAssignment(p)) target(p.expression);
      }
    } else if (ts.isSpreadElement(node)) target(node.expression);
    else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) target(node.left);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      target(node.left);
    } else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
      target(node.operand);
    } else if ((ts.isForInStatement(node) || ts.isForOfStatement(node)) && !ts.isVariableDeclarationList(node.initializer)) {
      target(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

function boundNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) boundNames(element.name, out);
}

export function constBindings(text: string): ConstBindingsReport {
  const file = ts.createSourceFile("bundle.js", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const assigned = assignedNames(file);
  const edits: { readonly start: number; readonly end: number }[] = [];
  let kept = 0;
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    if (list.flags & ts.NodeFlags.Const) continue;
    const names: string[] = [];
    let initialised = true;
    for (const d of list.declarations) {
      boundNames(d.name, names);
      if (d.initializer === undefined) initialised = false;
    }
    if (!initialised || names.some((n) => assigned.has(n))) {
      kept++;
      continue;
    }
    const keyword = list.getFirstToken(file);
    if (keyword === undefined) continue;
    edits.push({ start: keyword.getStart(file), end: keyword.getEnd() });
  }
  let out = text;
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i];
    if (e === undefined) continue;
    out = `${out.slice(0, e.start)}const${out.slice(e.end)}`;
  }
  return { text: out, converted: edits.length, kept };
}

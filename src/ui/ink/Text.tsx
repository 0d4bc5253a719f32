// pybp's only <Text>: Ink's, with every string child passed through the one
// sanitizer (engine/core/inert-text.ts) as it is drawn. The views get their
// data through forTerminal already (ui/terminal-view.ts); this is the guard at
// the point of writing, so that a string no view thought of (a path in a
// hint, a formatted cell) cannot move the cursor or write the clipboard
// either. A fitness test keeps every view on this component. Line breaks are
// the views' own (forTerminal has shown a newline in a name as `\n`).
// `colourCodes` keeps SGR colour codes, for tool output lines only.
import { Text as InkText, type TextProps as InkTextProps } from 'ink';
import { Children, cloneElement, Fragment, isValidElement, type ReactElement, type ReactNode } from 'react';
import { inertExceptColour, inertLines } from '../../engine/index.js';

export interface TextProps extends InkTextProps {
  /** Keep SGR colour codes in the strings (tool output); anything else is still shown inert. */
  colourCodes?: boolean;
}

function guard(node: ReactNode, clean: (text: string) => string): ReactNode {
  return Children.map(node, (child) => {
    if (typeof child === 'string') return clean(child);
    // A fragment's strings are this Text's strings; any other element is drawn by its own component.
    if (isValidElement(child) && child.type === Fragment) {
      const element = child as ReactElement<{ children?: ReactNode }>;
      return cloneElement(element, undefined, guard(element.props.children, clean));
    }
    return child;
  });
}

export function Text({ children, colourCodes = false, ...props }: TextProps) {
  return <InkText {...props}>{guard(children, colourCodes ? inertExceptColour : inertLines)}</InkText>;
}

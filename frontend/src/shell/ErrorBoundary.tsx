/**
 * A screen that throws while rendering shows an error in the frame instead of a blank page; the app bar
 * stays usable, and moving to another route (`resetKey`) tries again.
 */
import { Component, type ErrorInfo, type ReactNode } from "react";
import { ApiErrorAlert } from "./ApiErrorAlert";

interface Props {
  children: ReactNode;
  /** When it changes (the route), the boundary renders its children again. */
  resetKey: string;
}

interface State {
  error: unknown;
  key: string;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error("a screen failed to render", error, info.componentStack);
  }

  override render(): ReactNode {
    return this.state.error ? <ApiErrorAlert error={this.state.error} /> : this.props.children;
  }
}

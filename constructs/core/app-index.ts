/**
 * The app-scoped index: the one place where constructs record what other constructs need to know
 * about them, and from which every cross-construct rule runs once per app.
 *
 * - A construct records itself, or a record of its model (hosts, subjects, ports), under a typed
 *   `IndexKey` when it is created or in an explicit `add*` method. Nothing walks the construct tree
 *   to rediscover relationships, and no rule renders another construct's YAML.
 * - A key lists the checks that read it. The checks of every key that holds a record run
 *   together, once per app, and every problem they find is collected. cdk8s then reports each
 *   problem as a validation error of the construct it belongs to, all of them in one synth.
 * - cdk8s validates the whole app in `App.synth()` and again in every `Chart.toJson()`; the
 *   checks' result is kept while the index is unchanged within one synchronous run, so an app
 *   with many charts still runs each check once.
 *
 * The keys and checks themselves live in `constructs/checks/`, one file per area.
 */
import { IConstruct } from 'constructs';
import { ConfigError, environmentOf } from './errors';

/**
 * A rule that needs the whole app: it reads the index and reports problems, each on the
 * construct that should show it.
 */
export interface IAppCheck {
  /** A short name, for people reading a profile or a failing test. */
  readonly name: string;
  /** Runs the rule over the index. */
  run(index: AppIndex, report: ProblemReport): void;
}

/**
 * A typed slot of the index: records of one kind, in the order they were added, and the checks
 * that read them.
 */
export class IndexKey<T> {
  /** Keeps `T` part of the type (keys of different record types are not interchangeable). */
  public readonly recordType?: T;

  /**
   * @param name what the records are, e.g. `mesh-bound hosts`
   * @param checkList the app-wide checks that read these records (they run when a record exists),
   *   or a function returning them, for checks defined in a module that imports this key's
   */
  constructor(public readonly name: string, private readonly checkList: readonly IAppCheck[] | (() => readonly IAppCheck[]) = []) {}

  /** The app-wide checks that read these records. */
  public get checks(): readonly IAppCheck[] {
    return typeof this.checkList === 'function' ? this.checkList() : this.checkList;
  }
}

/** Collects the problems of one run of the checks, by the construct that reports them. */
export class ProblemReport {
  private readonly byScope = new Map<IConstruct, string[]>();

  /**
   * A problem shown as a validation error of `on`. The message names the environment, the path
   * of `at` (by default `on`), the field, the value received and what is allowed.
   */
  public add(on: IConstruct, field: string, received: string, allowed: string, at: IConstruct = on): void {
    this.addMessage(on, new ConfigError({
      environment: environmentOf(at), path: at.node.path || '(root)', field, received, allowed,
    }).message);
  }

  /** A problem whose message is already formatted. */
  public addMessage(on: IConstruct, message: string): void {
    const list = this.byScope.get(on);
    if (list) list.push(message);
    else this.byScope.set(on, [message]);
  }

  /** Problems shown on `scope`. */
  public of(scope: IConstruct): readonly string[] {
    return this.byScope.get(scope) ?? [];
  }

  /** Every construct with problems, in the order the first problem of each was reported. */
  public scopes(): IConstruct[] {
    return [...this.byScope.keys()];
  }
}

/** One index per app, kept on the app's root construct. */
const INDEXES = new WeakMap<IConstruct, AppIndex>();

/**
 * The records and checks of one app (one construct tree). Get it with `AppIndex.of(scope)` from
 * any construct of the app.
 */
export class AppIndex {
  /** The index of the app `scope` belongs to; created on first use. */
  public static of(scope: IConstruct): AppIndex {
    const root = scope.node.root;
    let index = INDEXES.get(root);
    if (!index) {
      index = new AppIndex(root);
      INDEXES.set(root, index);
    }
    return index;
  }

  private readonly records = new Map<IndexKey<unknown>, unknown[]>();
  private readonly checks: IAppCheck[] = [];
  private readonly hooked = new Set<IConstruct>();
  private readonly groups = new Map<IndexKey<unknown>, Map<(r: any) => unknown, Map<unknown, unknown[]>>>();
  private readonly memos = new Map<object, unknown>();
  private version = 0;
  private result?: { version: number; report: ProblemReport };
  private resetQueued = false;

  private constructor(private readonly root: IConstruct) {
    // Problems of constructs that carry no hook of their own are shown on the root.
    root.node.addValidation({ validate: () => this.orphanProblems() });
    this.hooked.add(root);
  }

  /**
   * Records `record` under `key`. When `owner` is given, problems the checks report on it are
   * shown as its validation errors (cdk8s prefixes them with its path).
   */
  public add<T>(key: IndexKey<T>, record: T, owner?: IConstruct): void {
    let list = this.records.get(key as IndexKey<unknown>);
    if (!list) {
      list = [];
      this.records.set(key as IndexKey<unknown>, list);
    }
    list.push(record);
    for (const check of key.checks) {
      if (!this.checks.includes(check)) this.checks.push(check);
    }
    if (owner) this.hook(owner);
    this.changed();
  }

  /** The records under `key`, in the order they were added. */
  public list<T>(key: IndexKey<T>): readonly T[] {
    return (this.records.get(key as IndexKey<unknown>) ?? []) as T[];
  }

  /**
   * The records under `key` grouped by `by` (same function, same grouping: kept until the index
   * changes), each group in the order the records were added.
   */
  public group<T, K>(key: IndexKey<T>, by: (record: T) => K): ReadonlyMap<K, readonly T[]> {
    let byFn = this.groups.get(key as IndexKey<unknown>);
    if (!byFn) {
      byFn = new Map();
      this.groups.set(key as IndexKey<unknown>, byFn);
    }
    let groups = byFn.get(by) as Map<K, T[]> | undefined;
    if (!groups) {
      groups = new Map();
      for (const r of this.list(key)) {
        const k = by(r);
        const g = groups.get(k);
        if (g) g.push(r);
        else groups.set(k, [r]);
      }
      byFn.set(by, groups as Map<unknown, unknown[]>);
    }
    return groups;
  }

  /** The records under `key` whose `by` is `value`. */
  public find<T, K>(key: IndexKey<T>, by: (record: T) => K, value: K): readonly T[] {
    return this.group(key, by).get(value) ?? [];
  }

  /**
   * Tells the index that something its checks read has changed (a record mutated after it was
   * added, through an `add*` method); the checks then run again at the next validation.
   */
  public changed(): void {
    this.version++;
    this.groups.clear();
    this.memos.clear();
  }

  /**
   * A value derived from the records (a graph, a lookup table), computed once and kept until the
   * index changes. `key` identifies the derivation (a module-level object or function).
   */
  public memo<T>(key: object, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** Makes `scope` show the problems the checks report on it as its own validation errors. */
  public hook(scope: IConstruct): void {
    if (this.hooked.has(scope)) return;
    this.hooked.add(scope);
    scope.node.addValidation({ validate: () => [...this.run().of(scope)] });
  }

  /** Runs every check (or reuses the result while nothing changed) and returns the report. */
  public run(): ProblemReport {
    if (this.result && this.result.version === this.version) return this.result.report;
    const report = new ProblemReport();
    for (const check of this.checks) check.run(this, report);
    this.result = { version: this.version, report };
    // One synth validates the app once per chart, synchronously; a later synth runs the checks
    // afresh, so that whatever changed in between is seen.
    if (!this.resetQueued) {
      this.resetQueued = true;
      queueMicrotask(() => {
        this.resetQueued = false;
        this.result = undefined;
      });
    }
    return report;
  }

  private orphanProblems(): string[] {
    const report = this.run();
    return report.scopes().filter((s) => s === this.root || !this.hooked.has(s)).flatMap((s) => report.of(s));
  }
}

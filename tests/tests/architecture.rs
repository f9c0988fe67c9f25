//! The design's rules about who may import whom, checked on the source: the service's files
//! (`api/src`) form no circle except inside `graphql/`'s own object graph; `policy/` and
//! `domain/` do not import `graphql/` or `http/`; the entity crate depends on nothing of the
//! service.
//!
//! A file imports another when it names an item of the other's module: in a `use`, in a path
//! anywhere in its code, or in a path inside a macro call (`crate::a::b` as tokens).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use syn::visit::Visit;

/// The service's source directory.
fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src")
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// A file's module path: `api/src/domain/child.rs` is `["domain", "child"]`, a `mod.rs`, the
/// `lib.rs` and the `main.rs` are their directory's.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(source()).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The absolute module paths (`crate::` dropped) a file names.
#[derive(Default)]
struct Named {
    /// The module the file is.
    here: Vec<String>,
    /// Every module of the crate, to resolve a path that starts with a module's name.
    modules: BTreeSet<Vec<String>>,
    /// The names the file's `use` items bring in, with what they stand for.
    aliases: BTreeMap<String, Vec<String>>,
    /// The names its `pub use` items re-export: a path through this module to one of them names
    /// the re-exported item's file, and the re-export itself is no import of this file's.
    reexports: BTreeMap<String, Vec<String>>,
    /// Whether the `use` being read is a re-export.
    in_reexport: bool,
    paths: BTreeSet<Vec<String>>,
}

impl Named {
    /// Records `segments` as written in the file, made absolute (see [`Named::resolve`]).
    fn add(&mut self, segments: &[String]) {
        if let Some(absolute) = self.resolve(segments) {
            self.paths.insert(absolute);
        }
    }

    /// A path made absolute: `crate::…`, `super::…`, `self::…`; one that starts with a name a
    /// `use` brought in (`domain::x` after `use crate::domain`); one that starts with a child
    /// module of this one or of the crate root (`writer::AuditWriter` in `audit/mod.rs`).
    /// Anything else is another crate, a local name or a prelude item.
    fn resolve(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let absolute = match first.as_str() {
            "crate" => segments[1..].to_vec(),
            "self" => [&self.here[..], &segments[1..]].concat(),
            "super" => {
                let mut base = self.here.clone();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                [&base[..], rest].concat()
            }
            name => {
                // A lone name may be a local variable; a module is named with `::` after it.
                let module_path = segments.len() > 1;
                if let Some(alias) = self.aliases.get(name) {
                    [&alias[..], &segments[1..]].concat()
                } else if module_path
                    && self
                        .modules
                        .contains(&[&self.here[..], &segments[..1]].concat())
                {
                    [&self.here[..], segments].concat()
                } else if module_path && self.modules.contains(&segments[..1]) {
                    segments.to_vec()
                } else {
                    return None;
                }
            }
        };
        Some(absolute)
    }

    /// Remembers the name a `use` leaf brings in.
    fn alias(&mut self, name: String, path: &[String]) {
        if let Some(absolute) = self.resolve(path) {
            if self.in_reexport {
                self.reexports.insert(name.clone(), absolute.clone());
            }
            self.aliases.insert(name, absolute);
        }
    }

    /// Every path of a `use` tree, with its prefix.
    fn tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let ident = name.ident.to_string();
                prefix.push(ident.clone());
                self.add(prefix);
                if ident != "self" {
                    self.alias(ident, prefix);
                } else if let [path @ .., _] = &prefix[..]
                    && let Some(last) = path.last()
                {
                    self.alias(last.clone(), path);
                }
                prefix.pop();
            }
            syn::UseTree::Rename(rename) => {
                prefix.push(rename.ident.to_string());
                self.add(prefix);
                self.alias(rename.rename.to_string(), prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.add(prefix),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.tree(prefix, tree);
                }
            }
        }
    }

    /// `crate :: a :: b` and the like among a macro call's tokens.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut run: Vec<String> = Vec::new();
        let mut colons = 0;
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) if run.is_empty() || colons == 2 => {
                    run.push(ident.to_string());
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && !run.is_empty() => {
                    colons += 1;
                }
                proc_macro2::TokenTree::Group(group) => {
                    self.flush(&mut run);
                    colons = 0;
                    self.tokens(group.stream());
                }
                other => {
                    self.flush(&mut run);
                    colons = 0;
                    if let proc_macro2::TokenTree::Ident(ident) = other {
                        run.push(ident.to_string());
                    }
                }
            }
        }
        self.flush(&mut run);
    }

    fn flush(&mut self, run: &mut Vec<String>) {
        if run.len() > 1 {
            self.add(run);
        }
        run.clear();
    }
}

impl<'ast> Visit<'ast> for Named {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.in_reexport = !matches!(item.vis, syn::Visibility::Inherited);
        let before = self.paths.clone();
        self.tree(&mut Vec::new(), &item.tree);
        if self.in_reexport {
            self.paths = before;
        }
        self.in_reexport = false;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(&segments);
        syn::visit::visit_path(self, path);
    }

    /// `pub(super)` and `pub(in crate::x)` say who may see an item, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    /// Inside `mod name { … }`, `self` and `super` are relative to that module.
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.here.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.here.pop();
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// The service's files by module, and which files each one imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = source();
    let all = files(&root);
    let files_of: BTreeMap<Vec<String>, String> = all
        .iter()
        .map(|file| {
            let name = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (module_of(file), name)
        })
        .collect();
    let mut read = Vec::new();
    let mut reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for file in &all {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = syn::parse_file(&text).unwrap();
        let mut named = Named {
            here: module_of(file),
            modules: files_of.keys().cloned().collect(),
            ..Named::default()
        };
        // Twice: the first pass learns what the file's `use` items bring in, wherever they are
        // written, so that the second resolves every path that starts with one of them.
        named.visit_file(&parsed);
        named.paths.clear();
        named.visit_file(&parsed);
        reexports.insert(named.here.clone(), std::mem::take(&mut named.reexports));
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        read.push((name, named.paths));
    }
    let mut graph = BTreeMap::new();
    for (name, paths) in read {
        // Each path names the file of its longest module prefix (never the crate root, which
        // only declares the modules), or, through a re-export, the re-exported item's file.
        let targets: BTreeSet<String> = paths
            .iter()
            .filter_map(|path| locate(path, &files_of, &reexports, 0))
            .filter(|target| *target != name)
            .collect();
        graph.insert(name, targets);
    }
    graph
}

/// The file a path names: the file of its longest module prefix, or, when the next segment is
/// a name that module re-exports, the file of what it re-exports.
fn locate(
    path: &[String],
    files_of: &BTreeMap<Vec<String>, String>,
    reexports: &BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    depth: usize,
) -> Option<String> {
    let n = (1..=path.len())
        .rev()
        .find(|n| files_of.contains_key(&path[..*n]))?;
    let module = &path[..n];
    if depth < 8
        && let Some(target) = path
            .get(n)
            .and_then(|name| reexports.get(module).and_then(|r| r.get(name)))
    {
        return locate(
            &[&target[..], &path[n + 1..]].concat(),
            files_of,
            reexports,
            depth + 1,
        );
    }
    files_of.get(module).cloned()
}

/// The circles of the graph: its strongly connected components of more than one file
/// (Tarjan's algorithm).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, node: &'g str) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = BTreeSet::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.insert(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

#[test]
fn the_service_files_form_no_circle_outside_the_graphql_object_graph() {
    let graph = imports();
    assert!(graph.len() > 50, "the source was found: {}", graph.len());
    let outside: Vec<_> = circles(&graph)
        .into_iter()
        .filter(|circle| !circle.iter().all(|file| file.starts_with("graphql/")))
        .collect();
    assert!(
        outside.is_empty(),
        "import circles: {:#?}",
        outside
            .iter()
            .map(|circle| circle
                .iter()
                .map(|file| format!(
                    "{file} -> {:?}",
                    graph[file].intersection(circle).collect::<Vec<_>>()
                ))
                .collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
}

#[test]
fn the_policy_and_the_domain_know_no_graphql_nor_http_not_even_through_another_file() {
    let graph = imports();
    let mut wrong = Vec::new();
    for start in graph
        .keys()
        .filter(|file| file.starts_with("policy/") || file.starts_with("domain/"))
    {
        // Breadth first, remembering how each file was reached, to show the way.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.as_str()]);
        while let Some(file) = queue.pop_front() {
            if file.starts_with("graphql/") || file.starts_with("http/") {
                let mut way = vec![file];
                while let Some(previous) = came_from.get(way[way.len() - 1]) {
                    way.push(previous);
                }
                way.reverse();
                wrong.push(way.join(" -> "));
                break;
            }
            for next in graph.get(file).into_iter().flatten() {
                if next != start && !came_from.contains_key(next.as_str()) {
                    came_from.insert(next, file);
                    queue.push_back(next);
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Whether the code of a file (its tokens, so comments do not count) opens or ends a
/// transaction or announces an event itself.
fn owns_a_unit_of_work(text: &str) -> Option<&'static str> {
    let tokens = text
        .parse::<proc_macro2::TokenStream>()
        .unwrap()
        .to_string();
    [
        "begin_write",
        "begin_with_options",
        ". begin ()",
        ". commit ()",
        "DatabaseTransaction",
        "notify_within",
        ". deliver (",
        ". announce (",
    ]
    .into_iter()
    .find(|needle| tokens.contains(needle))
}

#[test]
fn resolvers_and_handlers_leave_transactions_and_events_to_the_domain_commands() {
    let mut wrong = Vec::new();
    for dir in ["graphql", "http"] {
        for file in files(&source().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            if let Some(found) = owns_a_unit_of_work(&text) {
                wrong.push(format!("{}: {found}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(
        owns_a_unit_of_work("fn f() { let t = db.begin().await; t.commit().await; }"),
        Some(". begin ()")
    );
}

#[test]
fn the_entity_crate_depends_on_nothing_of_the_service() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../entity/Cargo.toml");
    let manifest: toml::Table = std::fs::read_to_string(manifest).unwrap().parse().unwrap();
    let ours = ["shouhu", "migration", "shouhu-tests"];
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        for name in manifest
            .get(section)
            .and_then(|d| d.as_table())
            .into_iter()
            .flat_map(|d| d.keys())
        {
            assert!(
                !ours.contains(&name.as_str()),
                "entity's {section} name {name}"
            );
        }
    }
}

#[test]
fn the_checker_sees_imports_in_uses_paths_and_macros() {
    let parsed: syn::File = syn::parse_quote! {
        use crate::{a::{b, c::D}, e};
        use super::f::G;
        fn x() { crate::h::i(); tracing::info!("{}", crate::j::K); }
        mod tests { use super::L; }
        use crate::domain;
        fn y() { domain::screening::create(); }
    };
    let mut named = Named {
        here: vec!["m".into(), "n".into()],
        ..Named::default()
    };
    named.visit_file(&parsed);
    let found: BTreeSet<String> = named.paths.iter().map(|p| p.join("::")).collect();
    for expected in [
        "a::b",
        "a::c::D",
        "e",
        "m::f::G",
        "h::i",
        "j::K",
        "m::n::L",
        "domain::screening::create",
    ] {
        assert!(found.contains(expected), "{expected} in {found:?}");
    }
}

/// A migration that has run on someone's database must never change: a database already past it
/// would not run it again, and would differ from a new one. `migration/landed.sha256` holds the
/// hash of each migration's text (in `sha256sum`'s form); a new migration is added to it with
/// the migration, and from then on is fixed: a change is a new migration.
#[test]
fn no_migration_is_edited_once_it_is_listed_and_every_migration_is_listed() {
    use sha2::{Digest, Sha256};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migration");
    let listed: BTreeMap<String, String> = std::fs::read_to_string(dir.join("landed.sha256"))
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, file)| (file.to_owned(), hash.to_owned()))
        .collect();
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir.join("src")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with('m') || !name.ends_with(".rs") {
            continue;
        }
        let hash = format!("{:x}", Sha256::digest(std::fs::read(&path).unwrap()));
        match listed.get(&name) {
            Some(expected) if *expected == hash => {}
            Some(_) => problems.push(format!(
                "{name} changed after it was listed: put the change in a new migration"
            )),
            None => problems.push(format!(
                "{name} is not listed: add `{hash}  {name}` to migration/landed.sha256"
            )),
        }
    }
    assert!(
        listed.len() >= 16,
        "the list was read: {} entries",
        listed.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

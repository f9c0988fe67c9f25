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
    paths: BTreeSet<Vec<String>>,
}

impl Named {
    /// Records `segments` as written in the file: `crate::…`, `super::…` or `self::…`; anything
    /// else is another crate, a local name or a prelude item.
    fn add(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else {
            return;
        };
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
            _ => return,
        };
        self.paths.insert(absolute);
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
                prefix.push(name.ident.to_string());
                self.add(prefix);
                prefix.pop();
            }
            syn::UseTree::Rename(rename) => {
                prefix.push(rename.ident.to_string());
                self.add(prefix);
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
        self.tree(&mut Vec::new(), &item.tree);
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
    let modules: BTreeMap<Vec<String>, String> = all
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
    let mut graph = BTreeMap::new();
    for file in &all {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = syn::parse_file(&text).unwrap();
        let mut named = Named {
            here: module_of(file),
            ..Named::default()
        };
        named.visit_file(&parsed);
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // Each path names the file of its longest module prefix (never the crate root, which
        // only declares the modules).
        let targets: BTreeSet<String> = named
            .paths
            .iter()
            .filter_map(|path| {
                (1..=path.len())
                    .rev()
                    .find_map(|n| modules.get(&path[..n]))
                    .cloned()
            })
            .filter(|target| *target != name)
            .collect();
        graph.insert(name, targets);
    }
    graph
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
fn the_policy_and_the_domain_know_no_graphql_nor_http() {
    let graph = imports();
    let wrong: Vec<String> = graph
        .iter()
        .filter(|(file, _)| file.starts_with("policy/") || file.starts_with("domain/"))
        .flat_map(|(file, targets)| {
            targets
                .iter()
                .filter(|t| t.starts_with("graphql/") || t.starts_with("http/"))
                .map(move |t| format!("{file} imports {t}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
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
    };
    let mut named = Named {
        here: vec!["m".into(), "n".into()],
        ..Named::default()
    };
    named.visit_file(&parsed);
    let found: BTreeSet<String> = named.paths.iter().map(|p| p.join("::")).collect();
    for expected in ["a::b", "a::c::D", "e", "m::f::G", "h::i", "j::K", "m::n::L"] {
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

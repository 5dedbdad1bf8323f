//! The model dependency graph: edges from `sources`, cycles found as strongly connected
//! components so each cycle is reported once, however many models it runs through.

use super::context::{target_of, Target};
use crate::spec::catalog::Catalog;
use crate::spec::model::Spec;

/// For each model, the indices of the models it reads, in source order.
pub fn dependencies(spec: &Spec, catalog: &Catalog) -> Vec<Vec<usize>> {
    spec.models
        .iter()
        .map(|model| {
            model
                .sources
                .iter()
                .filter_map(|entry| match target_of(spec, catalog, entry) {
                    Target::Model(i) => Some(i),
                    Target::Table(_) | Target::Unknown => None,
                })
                .collect()
        })
        .collect()
}

/// Every dependency cycle, each as the models in it (smallest index first, then in the order
/// the cycle runs). A model reading itself is a cycle of one.
pub fn cycles(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    // Tarjan's algorithm, iterative so a long chain of models cannot overflow the stack.
    let n = deps.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(top) = work.len().checked_sub(1) {
            let (v, edge) = work[top];
            if edge == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = deps[v].get(edge) {
                work[top].1 += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = component.len() == 1 && deps[v].contains(&v);
                if component.len() > 1 || self_loop {
                    components.push(order_cycle(component, deps));
                }
            }
        }
    }
    components.sort();
    components
}

/// Orders a component as a walk from its smallest member along dependency edges.
fn order_cycle(mut component: Vec<usize>, deps: &[Vec<usize>]) -> Vec<usize> {
    component.sort_unstable();
    let mut walk = vec![component[0]];
    while walk.len() < component.len() {
        let last = walk[walk.len() - 1];
        match deps[last].iter().find(|d| component.contains(d) && !walk.contains(d)) {
            Some(&next) => walk.push(next),
            None => {
                // Not a simple cycle through every member; list the rest in index order.
                walk.extend(component.iter().filter(|c| !walk.contains(c)).copied().collect::<Vec<_>>());
            }
        }
    }
    walk
}

/// Models in an order where each comes after every model it reads; models in cycles last,
/// in index order.
pub fn dependency_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        let ready: Vec<usize> = (0..n).filter(|&i| !placed[i] && deps[i].iter().all(|&d| placed[d])).collect();
        if ready.is_empty() {
            break;
        }
        for i in ready {
            placed[i] = true;
            order.push(i);
        }
    }
    order.extend((0..n).filter(|&i| !placed[i]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_once_each() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 -> 0 (not in a cycle)
        let deps = vec![vec![1], vec![2], vec![0], vec![3], vec![0]];
        assert_eq!(cycles(&deps), vec![vec![0, 1, 2], vec![3]]);
        assert!(cycles(&[vec![], vec![0], vec![0, 1]]).is_empty());
    }

    #[test]
    fn dependency_order_puts_inputs_first() {
        let deps = vec![vec![1, 2], vec![], vec![1]];
        assert_eq!(dependency_order(&deps), vec![1, 2, 0]);
        let cyclic = vec![vec![1], vec![0], vec![]];
        assert_eq!(dependency_order(&cyclic), vec![2, 0, 1]);
    }

    #[test]
    fn long_chains_do_not_overflow() {
        let deps: Vec<Vec<usize>> = (0..100_000).map(|i| if i == 0 { vec![] } else { vec![i - 1] }).collect();
        assert!(cycles(&deps).is_empty());
    }
}

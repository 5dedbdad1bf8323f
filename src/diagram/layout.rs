//! A layered layout of a [`Diagram`], left to right, for the SVG renderer.
//!
//! Sugiyama's scheme, kept small: ranks by longest path (a *banded* layout gives each group its
//! own run of columns, so the pipeline's layers read as bands); a long arrow gets a placeholder
//! slot in every column it passes, so it never runs through a box; boxes in a column are
//! ordered by the barycentre of their neighbours, a few sweeps each way, keeping a group's boxes
//! together. Arrows leave a box on its right and enter on the left, and between columns they
//! curve only inside the gap, where there are no boxes. Sizes come from the text (a monospace
//! font), so no label overlaps another. Every step is ordered, so the layout is deterministic.

use super::model::Diagram;

/// Width of a character of the monospace font at [`FONT_SIZE`], rounded up.
pub const CHAR_WIDTH: f64 = 7.8;
/// The font size of labels.
pub const FONT_SIZE: f64 = 12.0;
/// Height of a line of text.
pub const LINE_HEIGHT: f64 = 16.0;
/// Space between a box's edge and its text.
pub const PAD: f64 = 6.0;
/// Height of a group's title above its boxes.
pub const GROUP_HEADER: f64 = 20.0;
const GAP_X: f64 = 90.0;
const GAP_Y: f64 = 10.0;
const GROUP_GAP: f64 = 16.0;
const SLOT: f64 = 10.0;
const SWEEPS: usize = 4;

/// A box's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A group's box (one per column it occupies, or one band in a banded layout).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBox {
    /// The group.
    pub group: usize,
    /// Where.
    pub rect: Rect,
}

/// Where an arrow runs: the points it passes, first the start on the right of its source box,
/// last the end on the left of its target box, two points per column passed between.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The edge, an index into [`Diagram::edges`].
    pub edge: usize,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A laid-out diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Each node's box, by node index.
    pub nodes: Vec<Rect>,
    /// The group boxes.
    pub groups: Vec<GroupBox>,
    /// The arrows drawn (arrows against the ranks, from a cycle, are left out).
    pub routes: Vec<Route>,
    /// Arrows left out.
    pub skipped: usize,
    /// The width of everything laid out.
    pub width: f64,
    /// The height of everything laid out.
    pub height: f64,
}

/// The width of `text` in the label font.
pub fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// One slot in a column: a node, or the passage of an arrow.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Node(usize),
    Pass { edge: usize, step: usize },
}

/// Lays out `d`; `banded` gives every group a run of columns of its own, in group order.
pub fn layout(d: &Diagram, banded: bool) -> Layout {
    let n = d.nodes.len();
    let rank = ranks(d, banded);
    let forward: Vec<usize> = (0..d.edges.len()).filter(|&e| rank[d.edges[e].to] > rank[d.edges[e].from]).collect();
    let skipped = d.edges.len() - forward.len();
    let columns_count = rank.iter().copied().max().map_or(0, |m| m + 1);
    let mut columns: Vec<Vec<Item>> = vec![Vec::new(); columns_count];
    for (i, &r) in rank.iter().enumerate() {
        columns[r].push(Item::Node(i));
    }
    for &e in &forward {
        let (from, to) = (rank[d.edges[e].from], rank[d.edges[e].to]);
        for (step, column) in columns.iter_mut().enumerate().take(to).skip(from + 1) {
            column.push(Item::Pass { edge: e, step });
        }
    }
    order(d, &mut columns, &forward, &rank);

    // Sizes.
    let node_size: Vec<(f64, f64)> = d
        .nodes
        .iter()
        .map(|node| {
            let w = node.label.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 2.0 * PAD;
            (w.max(40.0), node.label.len().max(1) as f64 * LINE_HEIGHT + 2.0 * PAD)
        })
        .collect();
    let mut width: Vec<f64> = vec![0.0; columns_count];
    for (r, column) in columns.iter().enumerate() {
        for item in column {
            if let Item::Node(i) = item {
                width[r] = width[r].max(node_size[*i].0);
                if let (false, Some(g)) = (banded, d.nodes[*i].group) {
                    width[r] = width[r].max(text_width(&d.groups[g].label) + 2.0 * PAD);
                }
            }
        }
    }
    let band_pad = if banded { GROUP_GAP } else { 0.0 };
    if banded {
        // A band's title fits in its columns.
        for (g, group) in d.groups.iter().enumerate() {
            let cols: Vec<usize> = (0..n).filter(|&i| d.nodes[i].group == Some(g)).map(|i| rank[i]).collect();
            let (Some(&lo), Some(&hi)) = (cols.iter().min(), cols.iter().max()) else { continue };
            let span: f64 = width[lo..=hi].iter().sum::<f64>() + GAP_X * (hi - lo) as f64;
            let need = text_width(&group.label) + 2.0 * PAD;
            if span < need {
                width[lo] += need - span;
            }
        }
    }
    let mut x = vec![0.0; columns_count];
    let mut at = band_pad;
    for r in 0..columns_count {
        x[r] = at;
        at += width[r] + GAP_X;
    }
    let total_width = if columns_count == 0 { 0.0 } else { at - GAP_X + band_pad };

    // Places in each column, top down, a group's boxes under its title.
    let top = if banded { GROUP_HEADER + GAP_Y } else { 0.0 };
    let mut rects = vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; n];
    let mut pass_y: std::collections::BTreeMap<(usize, usize), f64> = std::collections::BTreeMap::new();
    let mut boxes: Vec<(usize, GroupBox)> = Vec::new();
    let mut heights = vec![0.0; columns_count];
    let mut placed: Vec<Vec<(Item, f64, f64)>> = vec![Vec::new(); columns_count];
    for (r, column) in columns.iter().enumerate() {
        let mut y = top;
        let mut open: Option<(usize, f64)> = None;
        for item in column {
            let group = match item {
                Item::Node(i) if !banded => d.nodes[*i].group,
                _ => None,
            };
            if open.map(|(g, _)| Some(g)) != Some(group) {
                if let Some((g, start)) = open.take() {
                    boxes.push((
                        r,
                        GroupBox {
                            group: g,
                            rect: Rect { x: x[r] - PAD, y: start, w: width[r] + 2.0 * PAD, h: y - start + PAD },
                        },
                    ));
                    y += PAD + GROUP_GAP;
                }
                if let Some(g) = group {
                    open = Some((g, y));
                    y += GROUP_HEADER;
                }
            }
            let h = match item {
                Item::Node(i) => node_size[*i].1,
                Item::Pass { .. } => SLOT,
            };
            placed[r].push((*item, y, h));
            y += h + GAP_Y;
        }
        if let Some((g, start)) = open.take() {
            boxes.push((
                r,
                GroupBox {
                    group: g,
                    rect: Rect { x: x[r] - PAD, y: start, w: width[r] + 2.0 * PAD, h: y - start + PAD },
                },
            ));
            y += PAD;
        }
        heights[r] = y;
    }
    let tallest = heights.iter().copied().fold(0.0, f64::max);
    for (r, items) in placed.iter().enumerate() {
        // Centre each column on the tallest, so arrows run as level as they can.
        let shift = ((tallest - heights[r]) / 2.0).floor();
        for &(item, y, h) in items {
            match item {
                Item::Node(i) => rects[i] = Rect { x: x[r], y: y + shift, w: node_size[i].0, h },
                Item::Pass { edge, step } => {
                    pass_y.insert((edge, step), y + shift + h / 2.0);
                }
            }
        }
    }
    // Group boxes follow their column's shift.
    let mut groups: Vec<GroupBox> = boxes
        .into_iter()
        .map(|(r, b)| {
            let shift = ((tallest - heights[r]) / 2.0).floor();
            GroupBox { group: b.group, rect: Rect { y: b.rect.y + shift, ..b.rect } }
        })
        .collect();
    if banded {
        for (g, _) in d.groups.iter().enumerate() {
            let cols: Vec<usize> = (0..n).filter(|&i| d.nodes[i].group == Some(g)).map(|i| rank[i]).collect();
            let (Some(&lo), Some(&hi)) = (cols.iter().min(), cols.iter().max()) else { continue };
            let left = x[lo] - band_pad / 2.0;
            let right = x[hi] + width[hi] + band_pad / 2.0;
            groups.push(GroupBox { group: g, rect: Rect { x: left, y: 0.0, w: right - left, h: tallest } });
        }
    }

    let routes = forward
        .iter()
        .map(|&e| {
            let edge = &d.edges[e];
            let (a, b) = (rects[edge.from], rects[edge.to]);
            let mut points = vec![(a.x + a.w, a.y + a.h / 2.0)];
            for step in rank[edge.from] + 1..rank[edge.to] {
                let y = pass_y.get(&(e, step)).copied().unwrap_or(0.0);
                points.push((x[step], y));
                points.push((x[step] + width[step], y));
            }
            points.push((b.x, b.y + b.h / 2.0));
            Route { edge: e, points }
        })
        .collect();
    Layout { nodes: rects, groups, routes, skipped, width: total_width, height: tallest }
}

/// Longest-path ranks. Banded: the groups in order, each starting in the column after the
/// last one the groups before it use. Arrows of a cycle (or against the band order) are left
/// out of the ranking.
fn ranks(d: &Diagram, banded: bool) -> Vec<usize> {
    let n = d.nodes.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &d.edges {
        if e.from != e.to {
            preds[e.to].push(e.from);
        }
    }
    let mut rank: Vec<Option<usize>> = vec![None; n];
    let batches: Vec<Vec<usize>> = if banded {
        let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); d.groups.len() + 1];
        for (i, node) in d.nodes.iter().enumerate() {
            by_group[node.group.unwrap_or(d.groups.len())].push(i);
        }
        by_group.into_iter().filter(|b| !b.is_empty()).collect()
    } else {
        vec![(0..n).collect()]
    };
    let mut floor = 0;
    for batch in batches {
        let inside: std::collections::BTreeSet<usize> = batch.iter().copied().collect();
        // Kahn's order within the batch; whatever a cycle holds back is ranked after, in index
        // order, on the predecessors ranked so far.
        let mut waiting: Vec<usize> = batch
            .iter()
            .map(|&i| preds[i].iter().filter(|p| inside.contains(p) && rank[**p].is_none()).count())
            .collect();
        let position: std::collections::BTreeMap<usize, usize> =
            batch.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        let mut succs: Vec<Vec<usize>> = vec![Vec::new(); batch.len()];
        for (k, &i) in batch.iter().enumerate() {
            for p in &preds[i] {
                if let Some(&pk) = position.get(p) {
                    succs[pk].push(k);
                }
            }
        }
        let mut queue: std::collections::VecDeque<usize> = (0..batch.len()).filter(|&k| waiting[k] == 0).collect();
        let mut done = vec![false; batch.len()];
        loop {
            while let Some(k) = queue.pop_front() {
                if done[k] {
                    continue;
                }
                done[k] = true;
                let i = batch[k];
                let r = preds[i].iter().filter_map(|p| rank[*p]).map(|r| r + 1).max().unwrap_or(0).max(floor);
                rank[i] = Some(r);
                for &s in &succs[k] {
                    waiting[s] = waiting[s].saturating_sub(1);
                    if waiting[s] == 0 {
                        queue.push_back(s);
                    }
                }
            }
            match (0..batch.len()).find(|&k| !done[k]) {
                Some(k) => queue.push_back(k),
                None => break,
            }
        }
        if banded {
            floor = batch.iter().filter_map(|&i| rank[i]).max().map_or(floor, |m| m + 1);
        }
    }
    let mut rank: Vec<usize> = rank.into_iter().map(|r| r.unwrap_or(0)).collect();
    // A box with no arrows at all (an output column that reads nothing, `COUNT(*)`) belongs
    // with its group, not in the first column on its own.
    let mut group_rank: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for (i, node) in d.nodes.iter().enumerate() {
        if let Some(g) = node.group {
            let r = group_rank.entry(g).or_insert(0);
            *r = (*r).max(rank[i]);
        }
    }
    let linked: std::collections::BTreeSet<usize> =
        d.edges.iter().filter(|e| e.from != e.to).flat_map(|e| [e.from, e.to]).collect();
    for (i, node) in d.nodes.iter().enumerate() {
        if let (false, false, Some(g)) = (banded, linked.contains(&i), node.group) {
            rank[i] = group_rank.get(&g).copied().unwrap_or(0);
        }
    }
    rank
}

/// Items of a column ordered together: barycentre, first position, members (barycentre,
/// position, item).
type Unit = (f64, usize, Vec<(f64, usize, Item)>);

/// Orders every column by barycentres: downward sweeps on predecessors, upward on successors.
/// A group's boxes stay together; each arrow's passage is a unit of its own.
fn order(d: &Diagram, columns: &mut [Vec<Item>], forward: &[usize], rank: &[usize]) {
    // Neighbours of each item in the columns before and after.
    let key = |item: &Item| match item {
        Item::Node(i) => (0usize, *i, 0usize),
        Item::Pass { edge, step } => (1, *edge, *step),
    };
    let mut up: std::collections::BTreeMap<(usize, usize, usize), Vec<Item>> = std::collections::BTreeMap::new();
    let mut down: std::collections::BTreeMap<(usize, usize, usize), Vec<Item>> = std::collections::BTreeMap::new();
    for &e in forward {
        let edge = &d.edges[e];
        let mut chain = vec![Item::Node(edge.from)];
        chain.extend((rank[edge.from] + 1..rank[edge.to]).map(|step| Item::Pass { edge: e, step }));
        chain.push(Item::Node(edge.to));
        for pair in chain.windows(2) {
            down.entry(key(&pair[0])).or_default().push(pair[1]);
            up.entry(key(&pair[1])).or_default().push(pair[0]);
        }
    }
    let mut position: std::collections::BTreeMap<(usize, usize, usize), f64> = std::collections::BTreeMap::new();
    let record = |columns: &[Vec<Item>], position: &mut std::collections::BTreeMap<(usize, usize, usize), f64>| {
        for column in columns {
            for (p, item) in column.iter().enumerate() {
                position.insert(key(item), p as f64);
            }
        }
    };
    record(columns, &mut position);
    for sweep in 0..SWEEPS * 2 {
        let downward = sweep % 2 == 0;
        let indices: Vec<usize> =
            if downward { (1..columns.len()).collect() } else { (0..columns.len().saturating_sub(1)).rev().collect() };
        for r in indices {
            let neighbours = if downward { &up } else { &down };
            let bary = |item: &Item, position: &std::collections::BTreeMap<(usize, usize, usize), f64>| -> f64 {
                let own = position.get(&key(item)).copied().unwrap_or(0.0);
                match neighbours.get(&key(item)) {
                    Some(list) if !list.is_empty() => {
                        list.iter().map(|n| position.get(&key(n)).copied().unwrap_or(0.0)).sum::<f64>()
                            / list.len() as f64
                    }
                    _ => own,
                }
            };
            // Units: a group's nodes, or one ungrouped item.
            let mut units: Vec<Unit> = Vec::new();
            let mut unit_of_group: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
            for (p, item) in columns[r].iter().enumerate() {
                let b = bary(item, &position);
                let group = match item {
                    Item::Node(i) => d.nodes[*i].group,
                    Item::Pass { .. } => None,
                };
                match group.and_then(|g| unit_of_group.get(&g).copied()) {
                    Some(u) => units[u].2.push((b, p, *item)),
                    None => {
                        if let Some(g) = group {
                            unit_of_group.insert(g, units.len());
                        }
                        units.push((0.0, p, vec![(b, p, *item)]));
                    }
                }
            }
            for unit in &mut units {
                unit.0 = unit.2.iter().map(|m| m.0).sum::<f64>() / unit.2.len() as f64;
                unit.2.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            }
            units.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            columns[r] = units.into_iter().flat_map(|u| u.2.into_iter().map(|m| m.2)).collect();
            for (p, item) in columns[r].iter().enumerate() {
                position.insert(key(item), p as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::model::Style;

    fn chain() -> Diagram {
        let mut d = Diagram::default();
        let g = d.group("g".into(), "a group with a long title".into(), Style::Source);
        let a = d.node("a".into(), vec!["a".into()], Some(g), Style::Source);
        let b = d.node("b".into(), vec!["b".into()], None, Style::Staging);
        let c = d.node("c".into(), vec!["c".into()], None, Style::Final);
        d.edge(a, b, Style::Agreed);
        d.edge(b, c, Style::Agreed);
        d.edge(a, c, Style::Agreed);
        d
    }

    fn overlap(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn long_arrows_pass_through_a_slot_of_their_own() {
        let d = chain();
        let l = layout(&d, false);
        assert_eq!(l.routes.len(), 3);
        let long = l.routes.iter().find(|r| r.edge == 2).unwrap();
        // Start, two points across the middle column, end.
        assert_eq!(long.points.len(), 4);
        let (y, b) = (long.points[1].1, l.nodes[1]);
        assert!(y < b.y || y > b.y + b.h, "the passage at y={y} runs through box b {b:?}");
        for (i, a) in l.nodes.iter().enumerate() {
            for bx in l.nodes.iter().skip(i + 1) {
                assert!(!overlap(a, bx), "{a:?} overlaps {bx:?}");
            }
        }
    }

    #[test]
    fn a_cycle_is_ranked_and_its_back_arrow_left_out() {
        let mut d = chain();
        d.edge(2, 0, Style::Agreed);
        let l = layout(&d, false);
        assert_eq!(l.skipped, 1);
    }

    #[test]
    fn bands_keep_groups_in_their_own_columns() {
        let mut d = Diagram::default();
        let g0 = d.group("s".into(), "sources".into(), Style::Source);
        let g1 = d.group("f".into(), "final".into(), Style::Final);
        let s = d.node("s0".into(), vec!["s".into()], Some(g0), Style::Source);
        let f = d.node("f0".into(), vec!["f".into()], Some(g1), Style::Final);
        let f2 = d.node("f1".into(), vec!["f2".into()], Some(g1), Style::Final);
        d.edge(s, f, Style::Agreed);
        d.edge(s, f2, Style::Agreed);
        let l = layout(&d, true);
        let bands: Vec<&GroupBox> = l.groups.iter().collect();
        assert_eq!(bands.len(), 2);
        assert!(bands[0].rect.x + bands[0].rect.w <= bands[1].rect.x);
    }
}

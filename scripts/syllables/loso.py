# Leave-one-synthesiser-out with a torch TDNN on gridcnn's syllable tokens (see README.md).
import sys, os, time; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from syllable_features import *
import torch, torch.nn as nn, argparse
torch.set_num_threads(1)
ap=argparse.ArgumentParser()
ap.add_argument('root', help='directory holding espeak/, fest/ and flite/ corpora')
ap.add_argument('--hidden',type=int,default=8); ap.add_argument('--epochs',type=int,default=150)
ap.add_argument('--shifts',default='-1,0,1'); ap.add_argument('--groups',default='espeak,diphone,hts,clunits')
ap.add_argument('--feat',default='base'); ap.add_argument('--noise',type=float,default=0.5)
ap.add_argument('--warp',type=float,default=0.0); ap.add_argument('--layers',default='')
ap.add_argument('--act',default='sigmoid'); ap.add_argument('--lr',type=float,default=0.01)
ap.add_argument('--only',default='')
ap.add_argument('--by',default='group'); ap.add_argument('--pool',default='mean'); ap.add_argument('--spk',type=int,default=0); ap.add_argument('--bands',type=int,default=16)
a=ap.parse_args(ARGS if 'ARGS' in globals() else None)
rng=np.random.default_rng(0)
import syllable_features as F
if a.bands!=16:
    F.FB=fbank(a.bands); FB=F.FB
C=corpus(a.root+'/espeak')+corpus(a.root+'/fest')+corpus(a.root+'/flite')
shifts=[int(s) for s in a.shifts.split(',')]
def fbw(alpha):  # VTLP: warp the filterbank's frequency axis
    return fbank(16, 0, 8000) if alpha==1 else warped(alpha)
def warped(alpha):
    e=imel(np.linspace(mel(0),mel(8000),18))*alpha; e=np.minimum(e,8000); e[-1]=8000
    f=np.arange(NFFT//2+1)*SR/NFFT; W=np.zeros((16,len(f)))
    for b in range(16):
        l,c,r=e[b],e[b+1],e[b+2]; W[b]=np.maximum(0,np.minimum((f-l)/max(c-l,1e-3),(r-f)/max(r-c,1e-3)))
    return W
def feats(x, shift=0, fb=None):
    fb=F.FB if fb is None else fb
    if a.feat=='base': return token(x,shift=shift,fb=fb)[0]
    if a.feat.startswith('full'):
        P=power(x); M=np.log(P@fb.T+1e-3)
        idx=np.clip(np.arange(30)+shift,0,len(M)-1); T=M[idx].T
        if a.feat=='full': T=T-T.mean(); return T/max(np.abs(T).max(),1e-6)
        return (T-T.mean(1,keepdims=True))/(T.std()+1e-3)
    if a.feat=='cmvn':
        T=token(x,shift=shift,fb=fb,scale=False)[0]
        return (T-T.mean(1,keepdims=True))/ (T.std(1,keepdims=True)+1e-3)
    if a.feat=='bandmean':
        T=token(x,shift=shift,fb=fb,scale=False)[0]
        T=T-T.mean(1,keepdims=True); return T/max(np.abs(T).max(),1e-6)
def noisy(x, snr):
    p=(x**2).mean(); return x+np.sqrt(p/10**(snr/10))*rng.standard_normal(len(x)).astype(np.float32)
class TDNN(nn.Module):
    def __init__(s,h):
        super().__init__()
        L=[int(v) for v in a.layers.split(',')] if a.layers else [h]
        act={'sigmoid':nn.Sigmoid,'relu':nn.ReLU,'tanh':nn.Tanh}[a.act]
        mods=[]; c=a.bands
        ks=[3]*len(L)
        for hh,k in zip(L,ks): mods+=[nn.Conv1d(c,hh,k),act()]; c=hh
        mods+=[nn.Conv1d(c,3,5)]
        s.b=nn.Sequential(*mods)
    def forward(s,x):
        y=s.b(x)
        return torch.sigmoid(y).sum(2) if a.act=='sigmoid' else (y.max(2)[0] if a.pool=='max' else y.mean(2))
VM={}
def vmean(v):
    if v not in VM: VM[v]=np.mean([feats(x) for vv,l,s_,x in C if vv==v],0)
    return VM[v]
def run(train, tests):
    # augmented token bank: per epoch sample fresh (noise/warp) tokens for a fraction
    X=[];Y=[]
    warps=[1.0] if a.warp==0 else list(np.linspace(1-a.warp,1+a.warp,5))
    fbs={w:(FB if w==1.0 else warped(w)) for w in warps}
    for v,l,s,x in train:
        for sh in shifts:
            for w in warps:
                X.append(feats(x,sh,fbs[w])-(vmean(v) if a.spk else 0)); Y.append(l)
                if a.noise>0:
                    X.append(feats(noisy(x,rng.uniform(0,30)),sh,fbs[w])-(vmean(v) if a.spk else 0)); Y.append(l)
    X=np.array(X,np.float32); Y=np.array(Y)
    mu=X.mean((0,2),keepdims=True); sd=X.std((0,2),keepdims=True)+1e-3
    Xt=torch.tensor((X-mu)/sd); Yt=torch.tensor(Y)
    torch.manual_seed(0); m=TDNN(a.hidden); opt=torch.optim.AdamW(m.parameters(),lr=a.lr,weight_decay=1e-4)
    steps=a.epochs*max(1,len(train)*3//16); sched=torch.optim.lr_scheduler.CosineAnnealingLR(opt,steps)
    for st in range(steps):
        i=torch.randint(0,len(Xt),(64,)); loss=nn.functional.cross_entropy(m(Xt[i]),Yt[i])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    res={}
    with torch.no_grad():
        for name,clips in tests.items():
            r=[]
            for snr in [None,20,10]:
                xs=[feats(x if snr is None else noisy(x,snr))-(vmean(v) if a.spk else 0) for v,l,s,x in clips]
                p=m(torch.tensor((np.array(xs,np.float32)-mu)/sd)).argmax(1).numpy()
                r.append((p==np.array([l for v,l,s,x in clips])).mean())
            res[name]=r
    return res
def main():
    global group
    groups=a.groups.split(',')
    if a.by=='speaker':
        og=group
        def group(v): return v.split('+')[0] if og(v)!='espeak' else 'espeak'
        groups=sorted({group(c[0]) for c in C if og(c[0]) in groups})
    t0=time.time()
    for held in groups:
        if a.only and held not in a.only.split(','): continue
        train=[c for c in C if group(c[0]) in groups and group(c[0])!=held]
        tests={held:[c for c in C if group(c[0])==held],'flite':[c for c in C if c[0].startswith('flite')]}
        r=run(train,tests)
        print('held %-8s'%held, '  '.join('%s clean %.1f 20dB %.1f 10dB %.1f'%(k,*[100*x for x in v]) for k,v in r.items()), '(%.0fs)'%(time.time()-t0), flush=True)

if __name__=='__main__': main()
